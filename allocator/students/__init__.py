"""The student stage: the numeric instance, assignment units and candidate arcs, the
min-cost-flow bound with pricing, the rounded and repaired hint, the CP-SAT model, the
regional search, contiguity, result rows, and `choose` (the solver keeps k candidates).
Solver objects never leave this package: its functions return plain arrays and rows."""
