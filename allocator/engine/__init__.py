"""Generic assignment core: jobs to agents with costs, weights, capacities and facilities.

`solve_assignment(AssignmentProblem(...))` runs the planner's solve design (sparse arcs, LP
bound with pricing, complete hint, CP-SAT, neighbourhood search) on any such problem: the
generalised assignment problem, the capacitated p-median problem (open exactly p agents),
school catchments with agent-dependent weights.
"""

from .problem import AssignmentProblem, Evaluation, ProblemError, evaluate
from .solve import AssignmentResult, solve_assignment

__all__ = ["AssignmentProblem", "AssignmentResult", "Evaluation", "ProblemError", "evaluate",
           "solve_assignment"]
