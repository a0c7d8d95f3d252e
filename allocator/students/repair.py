"""Round the relaxation to one school per unit and repair it into a good complete plan.

The plan is a candidate arc per unit. `round_flow` takes each unit's largest flow and fixes
segment links; `improve_plan` then moves single units (or a linked block-level together)
between candidate arcs while the exact objective - arc costs plus each school's elastic
penalties from `classes.plan_classes` - goes down. In strict mode the penalties are the
"cost of infeasibility" that repair drives to zero where it can.
"""

from __future__ import annotations

import math
import time

import numpy as np

from allocator.rules.classes import load_penalty, plan_classes

from . import repair_kernel
from .arcs import Arcs, Units
from .instance import Instance
from .invest import rule_prices


class Loads:
    """Pupils per school and grade and boarders per school for a plan, with penalties."""

    def __init__(self, inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                 pen: dict[str, int]):
        self.inst, self.units, self.arcs, self.pen = inst, units, arcs, pen
        self._cap = [int(v) for v in inst.class_cap]
        n = inst.n_schools
        s = arcs.school[choice]
        self.P = np.zeros((n, 9), dtype=np.int64)
        np.add.at(self.P, s, units.pupils)
        self.Bd = np.bincount(s, weights=arcs.boarders[choice], minlength=n).astype(
            np.int64)
        self.penalty = np.array([self.school_cost(j, self.P[j], self.Bd[j]) for j in range(n)],
                                dtype=np.int64)

    def rows_for(self, schools: np.ndarray, units_idx: np.ndarray, arcs_idx: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P, boarders, penalty) of `schools` when they hold exactly the units `units_idx`
        on arcs `arcs_idx` (every arc at one of `schools`); the loads are not changed."""
        row = np.full(self.inst.n_schools, -1, dtype=np.int64)
        row[schools] = np.arange(len(schools))
        r = row[self.arcs.school[arcs_idx]]
        P = np.zeros((len(schools), 9), dtype=np.int64)
        np.add.at(P, r, self.units.pupils[units_idx])
        tot = self.arcs.boarders[arcs_idx]
        Bd = np.bincount(r, weights=tot, minlength=len(schools)).astype(np.int64)
        pen = np.array([self.school_cost(int(j), P[i], Bd[i]) for i, j in enumerate(schools)],
                       dtype=np.int64)
        return P, Bd, pen

    def set_rows(self, schools: np.ndarray, P: np.ndarray, Bd: np.ndarray,
                 penalty: np.ndarray) -> None:
        """Replace the loads of `schools` (as returned by `rows_for`)."""
        self.P[schools], self.Bd[schools], self.penalty[schools] = P, Bd, penalty

    def school_cost(self, j: int, P: np.ndarray, boarders: int) -> int:
        """Elastic penalty of school j holding pupils P (per grade) and `boarders`."""
        inst = self.inst
        return load_penalty(P.tolist(), int(boarders), self._cap, int(inst.rooms[j]),
                            int(inst.rooms_level[j, 0]), int(inst.rooms_level[j, 1]),
                            int(inst.size_cap[j]), int(inst.beds[j]), self.pen)


def search_penalties(inst: Instance, strict: bool) -> dict[str, int]:
    """Penalty units that heuristics minimise: the policy's, or in strict mode far larger
    ones, so that breaking a hard rule never pays for any travel saved."""
    pen = rule_prices(inst)
    if strict:
        pen = {k: max(v, 1) * 1000 for k, v in pen.items()}
    return pen


def round_flow(units: Units, arcs: Arcs, arc_flow: np.ndarray) -> np.ndarray:
    """For each unit, the candidate arc carrying most of its flow (ties: cheapest)."""
    start = arcs.start(len(units))
    choice = np.empty(len(units), dtype=np.int64)
    if len(units) == 0:
        return choice
    key = np.lexsort((arcs.cost, -arc_flow, arcs.unit))
    first = np.r_[True, arcs.unit[key][1:] != arcs.unit[key][:-1]]
    choice[arcs.unit[key][first]] = key[first]
    assert np.all(start[:-1] < start[1:]), "every unit needs a candidate arc"
    return fix_links(units, arcs, choice)


def fix_links(units: Units, arcs: Arcs, choice: np.ndarray) -> np.ndarray:
    """Make linked segments consistent: if a lower segment attends a school that also serves
    the upper segment, the upper segment attends it too (it always has that arc)."""
    if len(units.links) == 0:
        return choice
    start = arcs.start(len(units))
    for lo, hi in units.links:
        s = arcs.school[choice[lo]]
        lo_arcs = np.arange(start[hi], start[hi + 1])
        same = lo_arcs[arcs.school[lo_arcs] == s]
        if len(same):
            choice[hi] = same[0]
    return choice


def loads_cost(loads: Loads, choice: np.ndarray) -> int:
    """The search objective of plan `choice`: its arc costs plus every school's elastic
    penalties in `loads` (which must hold that plan, priced with the loads' penalties)."""
    return int(loads.arcs.cost[choice].sum() + loads.penalty.sum())


def improve_plan(inst: Instance, units: Units, arcs: Arcs, choice: np.ndarray,
                 strict: bool, max_passes: int = 20, deadline: float = math.inf) -> np.ndarray:
    """Local search over single-unit moves; returns a plan whose cost is no higher.

    Each pass moves the units of schools with a penalty (most pupils first) to the arc that
    lowers the objective most while their school still has a penalty. Units in segment
    links are left as they are (their moves must be joint). Stops at `deadline`
    (perf_counter, checked every `CHUNK` movers) with the plan reached so far. The moves are
    the compiled kernel's (`repair_kernel.move_units`) once it is compiled, else the same
    moves in Python (`move_units`): one result either way.
    """
    pen = search_penalties(inst, strict)
    loads = Loads(inst, units, arcs, choice, pen)
    linked = np.zeros(len(units), dtype=bool)
    linked[units.links.ravel()] = True
    move = kernel_mover(inst, units, arcs, loads) if repair_kernel.ready() else None
    for _ in range(max_passes):
        hot = np.flatnonzero(loads.penalty > 0)
        if len(hot) == 0:
            break
        movers = np.flatnonzero(np.isin(arcs.school[choice], hot) & ~linked
                                & (units.locked < 0))
        movers = movers[np.argsort(-units.total[movers], kind="stable")]
        improved = False
        for t in range(0, len(movers), CHUNK):
            if time.perf_counter() > deadline:
                return choice
            chunk = movers[t: t + CHUNK]
            improved |= (move(chunk, choice) if move is not None
                         else move_units(loads, arcs, units, chunk, choice))
        if not improved:
            break
    return choice


CHUNK = 64  # movers between two looks at the clock


def kernel_mover(inst: Instance, units: Units, arcs: Arcs, loads: Loads):
    """`repair_kernel.move_units` on these arrays (int64 copies taken once), updating
    `loads` in place: a function (movers, choice) -> moved."""
    i64 = np.int64
    start = arcs.start(len(units)).astype(i64)
    school, cost = arcs.school.astype(i64), arcs.cost.astype(i64)
    bd, pupils = arcs.boarders.astype(i64), units.pupils.astype(i64)
    cap, rooms = inst.class_cap.astype(i64), inst.rooms.astype(i64)
    rl, size_cap = inst.rooms_level.astype(i64), inst.size_cap.astype(i64)
    beds = inst.beds.astype(i64)
    p = loads.pen
    w = np.array([p["class_size_cap"], p["classrooms"], p["school_size_cap"],
                  p["boarding_beds"]], dtype=i64)

    def move(movers: np.ndarray, choice: np.ndarray) -> bool:
        return bool(repair_kernel.move_units(movers.astype(i64), choice, loads.P, loads.Bd,
                                             loads.penalty, start, school, cost, bd, pupils,
                                             cap, rooms, rl, size_cap, beds, w))
    return move


def move_units(loads: Loads, arcs: Arcs, units: Units, movers: np.ndarray,
               choice: np.ndarray) -> bool:
    """Python twin of `repair_kernel.move_units`: each mover in turn (while its school has
    a penalty) to its candidate arc that lowers the objective most; `choice` and `loads`
    change in place. Returns whether any unit moved."""
    start = arcs.start(len(units))
    moved = False
    for u in movers:
        a = choice[u]
        j = arcs.school[a]
        if loads.penalty[j] == 0:
            continue
        pu = units.pupils[u]
        cost_j = loads.school_cost(j, loads.P[j] - pu, loads.Bd[j] - arcs.boarders[a])
        best_delta, best, best_cost_k = 0, -1, 0
        for b in range(start[u], start[u + 1]):
            k = arcs.school[b]
            if k == j:
                continue
            cost_k = loads.school_cost(k, loads.P[k] + pu, loads.Bd[k] + arcs.boarders[b])
            delta = (arcs.cost[b] - arcs.cost[a] + cost_j - loads.penalty[j]
                     + cost_k - loads.penalty[k])
            if delta < best_delta:
                best_delta, best, best_cost_k = delta, b, cost_k
        if best >= 0:
            k = arcs.school[best]
            loads.P[j] -= pu
            loads.P[k] += pu
            loads.Bd[j] -= arcs.boarders[a]
            loads.Bd[k] += arcs.boarders[best]
            loads.penalty[j] = cost_j
            loads.penalty[k] = best_cost_k
            choice[u] = best
            moved = True
    return moved


def shrink_for(loads: Loads) -> np.ndarray:
    """Per school (n, 3): pupils above what whole classes, rooms, size and beds allow,
    as primary / junior room capacity and beds to take off the next flow."""
    inst = loads.inst
    cut = np.zeros((inst.n_schools, 3), dtype=np.int64)
    for j in np.flatnonzero(loads.penalty > 0):
        P = loads.P[j]
        plan = plan_classes(P, inst.class_cap, int(inst.rooms[j]), inst.rooms_level[j],
                            loads.pen["class_size_cap"], loads.pen["classrooms"])
        for lv, sl in enumerate((slice(0, 6), slice(6, 9))):
            cut[j, lv] += int(plan.over[sl].sum())
        if plan.extra_rooms:
            lv = int(P[6:].sum() > P[:6].sum())
            cut[j, lv] += plan.extra_rooms * int(inst.class_cap[6 * lv])
        size_over = int(P.sum()) - int(inst.size_cap[j])
        if size_over > 0:
            lv = int(P[6:].sum() > P[:6].sum())
            cut[j, lv] += size_over
        cut[j, 2] = max(0, int(loads.Bd[j]) - int(inst.beds[j]))
    return cut
