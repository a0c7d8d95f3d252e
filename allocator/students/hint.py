"""A complete warm start from the flow: round, repair, and re-flow around what broke.

Rounding the relaxation leaves schools whose whole classes no longer fit their rooms (or
whose boarders exceed the beds). Each round takes the excess off those schools' capacity in
the flow and solves it again, so the flow itself moves whole chains of pupils elsewhere;
the best rounded and repaired plan of all rounds is kept. One round without improvement
ends the rounds: measured (rural-county, S-tight), the rounds after the first gain nothing
and cost 1-7 s that the regional search uses better. With the compiled moves
(`repair_kernel`) eight rounds cost 0.1-1.4 s, and still gained nothing on rural-county,
S-tight and M-tight (M: 0.08 %).
"""

from __future__ import annotations

import time

import numpy as np

from .arcs import Arcs, Units
from .flow_bound import FlowRelaxation, solve_relaxation
from .instance import Instance
from .repair import Loads, improve_plan, round_flow, search_penalties, shrink_for


def warm_start(inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation, strict: bool,
               rounds: int = 8, patience: int = 1, time_limit: float = 30.0) -> np.ndarray:
    """The best plan over up to `rounds` shrink-and-reflow rounds (a candidate arc per unit),
    stopping after `patience` rounds without improvement or after `time_limit` seconds
    (the local search of a round stops there too: the plan is complete either way)."""
    t_end = time.perf_counter() + time_limit
    pen = search_penalties(inst, strict)
    plan = improve_plan(inst, units, arcs, round_flow(units, arcs, rel.arc_flow), strict,
                        deadline=t_end)
    loads = Loads(inst, units, arcs, plan, pen)
    best, best_cost = plan, int(arcs.cost[plan].sum() + loads.penalty.sum())
    shrink = np.zeros((inst.n_schools, 3), dtype=np.int64)
    idle = 0
    for _ in range(rounds):
        if loads.penalty.sum() == 0 or time.perf_counter() > t_end or idle >= patience:
            break
        shrink += shrink_for(loads)
        flow = solve_relaxation(inst, units, arcs, elastic=True, shrink=shrink)
        plan = improve_plan(inst, units, arcs, round_flow(units, arcs, flow.arc_flow), strict,
                            deadline=t_end)
        loads = Loads(inst, units, arcs, plan, pen)
        cost = int(arcs.cost[plan].sum() + loads.penalty.sum())
        idle += 1
        if cost < best_cost:
            best, best_cost, idle = plan, cost, 0
    return best
