"""Min-cost-flow relaxation: a lower bound valid for the unpruned problem, and a warm start.

Relaxed away: one school per unit (flow may split), whole classes per grade, sharing of beds
and rooms between levels, and the segment links. Kept: every unit's pupils are placed; per
school and level at most rooms x class cap pupils; boarders within beds; enrolment within
the size cap. In elastic mode each capacity can overflow at a per-pupil cost no greater than
the cheapest penalty an integer plan pays for that overflow, so the flow value is a lower
bound on the elastic objective too.

Under `options.invest` the bound stays valid. An integer plan then pays, for each classroom
beyond a school's stock, either the penalty or the annualised classroom cost, so at least
r = min(classroom penalty, classroom cost) (`invest.rule_prices`); for each boarder beyond the
beds at least min(bed penalty, bed cost); the size cap cannot be bought. Each extra room
holds at most `cap` pupils of the level, so a pupil beyond rooms x cap costs the plan at
least min(class-size penalty, r // cap) -- exactly the overflow price this network uses,
since it reads the same `rule_prices`. Every overflow is thus priced no higher than any
integer plan with investments pays for it, and the flow value (and its Lagrangian value) is
at most the objective of every plan, investments included.

Soft day radius (rule `young_beyond_day_radius`): an arc taking young pupils beyond the day
radius is two arcs here, both at the arc's per-pupil cost (travel, stability and the young
pupils' penalty, rounded down): its young pupils (capacity `young`) enter L(j, level) as
day pupils, its older ones (capacity `boarders`) Bed(j). Why the bound stays valid: map any
plan to the flow that sends each unit's pupils along its chosen arc (split so on such an
arc). The unit's arcs cost total x floor(cost / total) <= the arc's cost in the plan; every
pupil passes L(j, level), R(j) and S(j) and every boarder Bed(j) exactly as in the plan, so
overflow costs no more than the plan's penalties. Hence flow value <= plan objective for
every plan on the candidate arcs. `price_units` prices every admissible arc (soft ones in
elastic mode included) by the same split (`arcs.priced_value`: per-pupil cost plus the
young pupils' day price and the older pupils' bed price, averaged and rounded down), a
lower bound on the Lagrangian term of the arc, so the bound holds for the unpruned
problem. Arcs of a block outside its school group (rule `group_intake`) carry
their penalty in the arc cost in the same way.

Network (integer costs in objective units per pupil):
    unit --day arc--> L(j, level) --rooms x cap--> S(j) --size cap--> T
    unit --boarding arc--> B(j, level) --beds--> L(j, level)
Dual prices come from shortest paths in the residual graph; with them every admissible arc,
candidate or not, is priced (`arcs.price_units`), violating arcs are added and the flow is
solved again until none is left. The Lagrangian value of the final prices is the bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .arc_rules import priced_value, young_far_mask
from .arcs import (
    NO_ARC,
    Arcs,
    Units,
    add_arcs,
    improving_arcs,
    price_units,
    subset_units,
)
from .instance import Instance
from .invest import rule_prices


@dataclass
class FlowRelaxation:
    feasible: bool
    value: int  # flow cost on the current arcs (objective units)
    bound: int  # Lagrangian bound valid for all admissible arcs
    arc_flow: np.ndarray  # flow on each candidate arc
    school_value: np.ndarray  # (n, 2) dual price of a day pupil at school j, level
    board_value: np.ndarray  # (n, 2) dual price of a boarder
    unit_best: np.ndarray  # (U,) best reduced value per pupil over all admissible arcs
    shortfall: int  # pupils the strict relaxation cannot place
    unplaced_units: np.ndarray  # units (partly) unplaced in strict mode
    rounds: int = 1
    arcs_added: int = 0
    sink_value: int = 0  # dual price of the sink: unit values are relative to it


class _Net:
    """Node numbering and the non-unit (capacity) arcs of the relaxation.

        unit --day--> L(j, level) --rooms_level x cap--> R(j) --shared rooms--> S(j) --size--> T
        unit --boarding--> Bed(j) --beds--> L(j, level) (one level) or R(j) (both levels)
    R(j) -> S(j) caps the pupils of a school whose levels share classrooms at rooms x the
    larger class cap; elsewhere it is uncapacitated.
    """

    def __init__(self, inst: Instance, units: Units, elastic: bool,
                 shrink: np.ndarray | None = None):
        n, U = inst.n_schools, len(units)
        self.U, self.n = U, n
        self.L = U  # L(j, lv) = L + 2j + lv
        self.Bed = U + 2 * n
        self.R = U + 3 * n
        self.S = U + 4 * n
        self.T = U + 5 * n
        self.nodes = self.T + 1
        big = int(units.total.sum()) + 1
        pen = rule_prices(inst)
        cap = inst.class_cap
        lvl_cap = np.array([cap[0], cap[6]], dtype=np.int64)
        room_pen = [min(pen["class_size_cap"], pen["classrooms"] // int(c)) for c in lvl_cap]
        arcs: list[tuple[int, int, int, int]] = []

        def add(t: int, h: int, c: int, overflow: int | None) -> None:
            """A capacity arc at no cost, and in elastic mode its priced overflow."""
            arcs.append((t, h, max(0, c), 0))
            if elastic and overflow is not None:
                arcs.append((t, h, big, overflow))

        serves_lv = np.column_stack([inst.serves[:, :6].any(axis=1),
                                     inst.serves[:, 6:].any(axis=1)])
        cut = shrink if shrink is not None else np.zeros((n, 3), dtype=np.int64)
        for j in range(n):
            levels = [lv for lv in (0, 1) if serves_lv[j, lv]]
            shared = inst.rooms_level[j, 0] < 0
            both = shared and len(levels) == 2
            for lv in levels:
                rooms = inst.rooms_level[j, lv] if not shared else inst.rooms[j]
                # where both levels share the rooms, a pupil beyond them also crosses the
                # shared R -> S overflow: charge here only what his level costs on top
                over = room_pen[lv] - min(room_pen) if both else room_pen[lv]
                add(self.L + 2 * j + lv, self.R + j,
                    int(rooms * lvl_cap[lv]) - int(cut[j, lv]), over)
            bed_to = self.L + 2 * j + levels[0] if len(levels) == 1 else self.R + j
            add(self.Bed + j, bed_to, int(inst.beds[j]) - int(cut[j, 2]), pen["boarding_beds"])
            if both:
                add(self.R + j, self.S + j, int(inst.rooms[j] * lvl_cap.max()), min(room_pen))
            else:
                add(self.R + j, self.S + j, big, None)
            add(self.S + j, self.T, int(inst.size_cap[j]), pen["school_size_cap"])
        a = np.array(arcs, dtype=np.int64).reshape(-1, 4)
        self.tail, self.head, self.cap, self.cost = a[:, 0], a[:, 1], a[:, 2], a[:, 3]


def unit_arc_ends(net: _Net, units: Units, arcs: Arcs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tail, head, per-pupil cost) of the unit arcs in the network."""
    lv = units.level[arcs.unit]
    head = np.where(boarding_arcs(units, arcs), net.Bed + arcs.school,
                    net.L + 2 * arcs.school + lv)
    per = arcs.cost // np.maximum(units.total[arcs.unit], 1)
    return arcs.unit, head, per


def boarding_arcs(units: Units, arcs: Arcs) -> np.ndarray:
    """Arcs whose pupils all enter the relaxation through the school's beds: beyond the day
    radius and without young pupils (see the module docstring for arcs with them)."""
    return arcs.board & ~young_far_mask(units, arcs)


def _potentials(nodes: int, tail: np.ndarray, head: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Shortest distances from a virtual root joined to every node by 0-length arcs.

    Bellman-Ford, vectorised: the residual graph of an optimal flow has no negative cycle.
    """
    order = np.argsort(head, kind="stable")
    tail, head, w = tail[order], head[order], w[order]
    starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]])
    heads_u = head[starts]
    d = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes + 1):
        cand = np.minimum.reduceat(d[tail] + w, starts)
        improve = cand < d[heads_u]
        if not improve.any():
            return d
        d[heads_u[improve]] = cand[improve]
    raise RuntimeError("negative cycle in the residual graph: the flow is not optimal")


def solve_relaxation(inst: Instance, units: Units, arcs: Arcs, elastic: bool,
                     shrink: np.ndarray | None = None) -> FlowRelaxation:
    """Solve the flow relaxation on `arcs` and price every admissible arc with its duals.

    `shrink` (n, 3): pupils taken off each school's primary and junior room capacity and
    beds. A shrunk network is no relaxation: its flow serves as a warm start only, and its
    `bound` is not computed (set to its value).
    """
    net = _Net(inst, units, elastic, shrink)
    ut, uh, uc = unit_arc_ends(net, units, arcs)
    ucap = units.total[arcs.unit].copy()
    mixed = np.flatnonzero(young_far_mask(units, arcs) & (arcs.boarders > 0))
    ucap[mixed] = units.young[arcs.unit[mixed]]  # the older pupils: a second arc to Bed(j)
    tail = np.concatenate([ut, net.tail, arcs.unit[mixed]])
    head = np.concatenate([uh, net.head, net.Bed + arcs.school[mixed]])
    cap = np.concatenate([ucap, net.cap, arcs.boarders[mixed]])
    cost = np.concatenate([uc, net.cost, uc[mixed]])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    supply = np.zeros(net.nodes, dtype=np.int64)
    supply[: net.U] = units.total
    supply[net.T] = -int(units.total.sum())
    mcf.set_nodes_supplies(np.arange(net.nodes), supply)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        status = mcf.solve_max_flow_with_min_cost()
        if status != mcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
    flow = mcf.flows(np.arange(len(tail)))
    unit_flow = flow[: len(ut)].copy()
    unit_flow[mixed] += flow[len(flow) - len(mixed):]
    placed = np.bincount(ut, weights=unit_flow, minlength=net.U).astype(np.int64)
    unplaced = np.flatnonzero(placed < units.total)
    shortfall = int((units.total - placed).sum())
    value = int(mcf.optimal_cost())
    feasible = shortfall == 0
    arc_flow = unit_flow.astype(np.int64)
    if not feasible or shrink is not None:
        z = np.zeros((inst.n_schools, 2), dtype=np.int64)
        return FlowRelaxation(feasible, value, value, arc_flow, z, z.copy(),
                          np.zeros(net.U, np.int64), shortfall, unplaced)
    # residual graph: forward where flow < cap, backward where flow > 0
    fwd = flow < cap
    bwd = flow > 0
    rt = np.concatenate([tail[fwd], head[bwd]])
    rh = np.concatenate([head[fwd], tail[bwd]])
    rw = np.concatenate([cost[fwd], -cost[bwd]])
    d = _potentials(net.nodes, rt, rh, rw)
    y = -d
    school_value = y[net.L: net.Bed].reshape(-1, 2)
    board_value = np.repeat(y[net.Bed: net.R][:, None], 2, axis=1)
    _, best = price_units(inst, units, school_value, board_value)
    ncap = net.cap
    rc = net.cost - y[net.tail] + y[net.head]
    total = int(units.total.sum())
    bound = int((units.total * best).sum()) - int(y[net.T]) * total + int(
        (ncap * np.minimum(0, rc)).sum()
    )
    return FlowRelaxation(True, value, bound, arc_flow, school_value, board_value, best, 0,
                          unplaced, sink_value=int(y[net.T]))


def candidate_best(units: Units, arcs: Arcs, rel: FlowRelaxation) -> np.ndarray:
    """Best reduced value per pupil of each unit over its candidate arcs only."""
    lv = units.level[arcs.unit]
    val = priced_value(arcs.cost, units.total[arcs.unit], units.young[arcs.unit],
                       arcs.boarders, arcs.board, rel.school_value[arcs.school, lv],
                       rel.board_value[arcs.school, lv])
    best = np.full(len(units), NO_ARC, dtype=np.int64)
    np.minimum.at(best, arcs.unit, val)
    return best


def relax_with_pricing(
    inst: Instance, units: Units, arcs: Arcs, elastic: bool, max_rounds: int = 30,
    per_unit: int = 4, deadline: float | None = None,
) -> tuple[FlowRelaxation, Arcs]:
    """Solve the relaxation, adding the arcs its duals ask for until none improves.

    Each round adds, for every unit with an improving admissible arc, up to `per_unit` of
    them; no new round starts after `deadline` (perf_counter time). Returns the last
    relaxation (its flow on the returned arcs) and the grown arc set; its `bound`, the best
    of all rounds, is valid for the unpruned problem whatever the number of rounds.
    """
    added = 0
    rounds = 0
    best_bound = None
    while True:
        rounds += 1
        rel = solve_relaxation(inst, units, arcs, elastic)
        best_bound = rel.bound if best_bound is None else max(best_bound, rel.bound)
        if not rel.feasible or rounds >= max_rounds:
            break
        if deadline is not None and time.perf_counter() > deadline:
            break
        cand = candidate_best(units, arcs, rel)
        need = np.flatnonzero(rel.unit_best < cand)
        if len(need) == 0:
            break
        sub = subset_units(units, need)
        u, s = improving_arcs(inst, sub, rel.school_value, rel.board_value, cand[need],
                              per_unit)
        before = len(arcs)
        arcs = add_arcs(inst, units, arcs, need[u], s)
        added += len(arcs) - before
        if len(arcs) == before:
            break
    if rel.feasible:
        rel.bound = best_bound
    rel.rounds = rounds
    rel.arcs_added = added
    return rel, arcs
