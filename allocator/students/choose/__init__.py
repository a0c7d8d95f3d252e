"""Layout `choose`: the solver decides which candidate schools stay open (model pieces,
Lagrangian bound, search over open sets, the stage)."""
