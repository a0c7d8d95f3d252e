"""Local search over open sets for `choose`: swap one open candidate for a closed one (or
open / close one where the operation's range allows), screened by the flow relaxation of
the changed open set, the best few priced by a complete plan.

The Lagrangian's school values (the worth of keeping each candidate) order the moves: the
least worthy open candidate is tried first for closing, the worthiest closed one for
opening. A move is screened by the flow on the open set's arcs plus its fixed costs (about
30 ms on 800 units); flow values ignore whole classes, so the `TOP` best screened moves are
then priced by the fast assignment (`plan_on`: the flow rounded and repaired) and the first
cheaper plan is taken. Open sets that leave a unit without an admissible school or a
township without its boarding schools are skipped. The clock is checked before every flow
and every plan; nothing changes when no move wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from allocator.students.arcs import Arcs, Units, add_arcs
from allocator.students.flow_bound import solve_relaxation
from allocator.students.hint import warm_start
from allocator.students.instance import Instance

from .model import ChooseModel, arc_index, complete_open, fixed_cost_of, restrict_arcs
from .townships import towns_met

TOP = 3  # screened moves priced by a complete plan per round


@dataclass
class SwapState:
    """The plan the swaps improve: arcs, an arc per unit, its cost and open set."""

    arcs: Arcs
    choice: np.ndarray
    cost: int
    open_mask: np.ndarray


def plan_on(inst: Instance, units: Units, arcs: Arcs, open_mask: np.ndarray, k: int,
            strict: bool, time_limit: float) -> tuple[Arcs, np.ndarray]:
    """A complete plan using only open schools: the flow on the open set's arcs, rounded and
    repaired. Returns the full arcs (grown by the open set's nearest pairs) and the plan as
    indices into them."""
    sub, u, s = restrict_arcs(inst, units, arcs, open_mask, k)
    full = add_arcs(inst, units, arcs, u, s)
    no_shrink = np.zeros((inst.n_schools, 3), dtype=np.int64)  # flow only: no duals needed
    rel = solve_relaxation(inst, units, sub, elastic=True, shrink=no_shrink)
    plan = warm_start(inst, units, sub, rel, strict, time_limit=time_limit)
    idx = arc_index(full, inst.n_schools, np.arange(len(units)), sub.school[plan])
    return full, idx


def neighbour_sets(cm: ChooseModel, open_mask: np.ndarray, worth: np.ndarray
                   ) -> Iterator[np.ndarray]:
    """Open sets one move away within each operation's range: per operation a swap of an
    open candidate (least worth first) for a closed one (most worth first), then a single
    close (above `lo`) or open (below `hi`)."""
    for m, lo, hi in zip(cm.members, cm.lo, cm.hi, strict=True):
        on, off = m[open_mask[m]], m[~open_mask[m]]
        on = on[np.lexsort((on, worth[on]))]
        off = off[np.lexsort((off, -worth[off]))]
        for i in on:
            for j in off:
                out = open_mask.copy()
                out[i], out[j] = False, True
                yield out
        if len(on) > lo:
            for i in on:
                out = open_mask.copy()
                out[i] = False
                yield out
        if len(on) < hi:
            for j in off:
                out = open_mask.copy()
                out[j] = True
                yield out


def flow_score(inst: Instance, units: Units, arcs: Arcs, cm: ChooseModel,
               open_mask: np.ndarray, k: int) -> int | None:
    """Flow relaxation value on the open set's arcs plus its fixed costs; None when some
    unit has no admissible open school or a township lacks its boarding schools."""
    if not towns_met(cm, open_mask):
        return None
    sub, _, _ = restrict_arcs(inst, units, arcs, open_mask, k)
    if len(np.unique(sub.unit)) < len(units):
        return None
    rel = solve_relaxation(inst, units, sub, elastic=True,
                           shrink=np.zeros((inst.n_schools, 3), dtype=np.int64))
    return int(rel.value) + fixed_cost_of(cm, open_mask)


def screen_moves(inst: Instance, units: Units, st: SwapState, cm: ChooseModel,
                 worth: np.ndarray, k: int, deadline: float) -> list[tuple[int, np.ndarray]]:
    """The moves from `st.open_mask` whose flow score beats the current set's, best first
    (as many as the clock allowed)."""
    base = flow_score(inst, units, st.arcs, cm, st.open_mask, k)
    if base is None:
        return []
    better = []
    for trial in neighbour_sets(cm, st.open_mask, worth):
        if time.perf_counter() >= deadline:
            break
        s = flow_score(inst, units, st.arcs, cm, trial, k)
        if s is not None and s < base:
            better.append((s, trial))
    better.sort(key=lambda t: t[0])
    return better


def improve_by_swaps(inst: Instance, units: Units, cm: ChooseModel, st: SwapState,
                     worth: np.ndarray, k: int, deadline: float,
                     plan: Callable[[Arcs, np.ndarray, float], tuple[Arcs, np.ndarray, int]],
                     stats: dict) -> SwapState:
    """Rounds of screened moves until none gives a cheaper plan or `deadline`; `plan(arcs,
    open_mask, seconds)` returns (grown arcs, plan on them, its cost). Returns the best
    plan found (`st` itself when no move won); counts go to `stats`."""
    t0 = time.perf_counter()
    rounds = tried = won = 0
    while time.perf_counter() < deadline:
        rounds += 1
        improved = False
        for _, trial in screen_moves(inst, units, st, cm, worth, k, deadline)[:TOP]:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                break
            tried += 1
            arcs, choice, cost = plan(st.arcs, trial, min(1.0, 0.5 * left))
            if cost < st.cost:
                used = np.zeros(inst.n_schools, dtype=bool)
                used[arcs.school[choice]] = True
                st = SwapState(arcs, choice, cost, complete_open(cm, used))
                won += 1
                improved = True
                break
        if not improved:
            break
    stats.update(swap_rounds=rounds, swap_plans=tried, swap_wins=won,
                 swap_s=round(time.perf_counter() - t0, 3))
    return st
