"""CP-SAT model of an assignment (sub)problem over sparse arcs, solved from a complete hint.

A sub-problem is some jobs, some agents, the arcs allowed between them and each agent's room
for these jobs (its capacity minus the weight of jobs that stay where they are). For
facilities it also says how many of its agents open. With every job and agent it is the whole
problem. Solver objects stay inside this module: `solve_sub` returns plain arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .core import Core


@dataclass
class SubProblem:
    """Jobs, agents, usable arcs and room: a part of the problem to re-solve exactly."""

    jobs: np.ndarray  # global job indices
    agents: np.ndarray  # global agent indices
    arcs: np.ndarray  # (m, n) bool: arcs usable (only those between jobs and agents count)
    room: np.ndarray  # (len(agents),) capacity left for these jobs
    open_count: int | None = None  # facilities: agents among `agents` to open


@dataclass
class CpOutcome:
    """What CP-SAT returned for a sub-problem (plain arrays, no solver objects)."""

    status: str  # optimal | feasible | infeasible | unknown
    assign: np.ndarray | None  # global agent per sub job
    objective: int | None  # sub-problem objective (its arcs and opened agents)
    bound: int | None
    wall_s: float
    arcs: int = 0


class Stopper:
    """Lets another thread stop a running `solve_sub` (CP-SAT releases the GIL)."""

    def __init__(self) -> None:
        self._solver: cp_model.CpSolver | None = None
        self.requested = False

    def attach(self, solver: cp_model.CpSolver) -> None:
        """Register the running solver (stopping it at once if already requested)."""
        self._solver = solver
        if self.requested:
            solver.stop_search()

    def stop(self) -> None:
        """Ask the attached solver to stop (or the next one, before it starts)."""
        self.requested = True
        if self._solver is not None:
            self._solver.stop_search()


class _StopAt(cp_model.CpSolverSolutionCallback):
    def __init__(self, target: int | None):
        super().__init__()
        self.target = target

    def on_solution_callback(self) -> None:
        if self.target is not None and self.objective_value <= self.target + 1e-9:
            self.stop_search()


def sub_arcs(sub: SubProblem) -> tuple[np.ndarray, np.ndarray]:
    """(agent position, job position) of the sub-problem's arcs, sorted by job."""
    local = sub.arcs[np.ix_(sub.agents, sub.jobs)]
    jp, ap = np.nonzero(local.T)
    return ap, jp


def solve_sub(core: Core, sub: SubProblem, hint: np.ndarray | None, *, time_limit: float,
              workers: int, seed: int = 0, stop_at: int | None = None,
              stopper: Stopper | None = None) -> CpOutcome:
    """Solve `sub` with CP-SAT from `hint` (global agent per sub job, -1 unknown).

    Guarantees: a returned assignment uses only the sub-problem's arcs, respects every
    agent's room and, for facilities, opens exactly `open_count` agents, each serving a job.
    `objective` and `bound` count the sub-problem's arc and opening costs only. Stops early
    once a solution of cost <= `stop_at` is found, or when `stopper.stop()` is called.
    The model's building counts against `time_limit`.
    """
    t0 = time.perf_counter()
    ap, jp = sub_arcs(sub)
    ga = sub.agents[ap]
    starts = np.searchsorted(jp, np.arange(len(sub.jobs) + 1))
    if np.any(starts[1:] == starts[:-1]):
        return CpOutcome("infeasible", None, None, None, time.perf_counter() - t0, len(ap))
    m, x, y = build_sub_model(core, sub, ap, jp, starts)
    if hint is not None:
        hj = hint[jp]
        for t, xv in enumerate(x):
            m.add_hint(xv, bool(hj[t] == ga[t]))
        used = set(hint[hint >= 0].tolist())
        for a, ya in y.items():
            m.add_hint(ya, int(sub.agents[a]) in used)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - t0))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if stopper is not None:
        stopper.attach(solver)
    status = solver.solve(m, _StopAt(stop_at))
    wall = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = "infeasible" if status == cp_model.INFEASIBLE else "unknown"
        return CpOutcome(name, None, None, None, wall, len(ap))
    val = np.array(solver.response_proto.solution, dtype=bool)[: len(x)]  # x come first
    assign = np.full(len(sub.jobs), -1, dtype=np.int64)
    assign[jp[val]] = ga[val]
    return CpOutcome("optimal" if status == cp_model.OPTIMAL else "feasible", assign,
                     int(round(solver.objective_value)), int(round(solver.best_objective_bound)),
                     wall, len(ap))


def build_sub_model(core: Core, sub: SubProblem, ap: np.ndarray, jp: np.ndarray,
                    starts: np.ndarray) -> tuple[cp_model.CpModel, list, dict]:
    """(model, arc variables in `sub_arcs` order, open variable per agent position) of
    `sub`: each job on exactly one arc, every agent within its room, for facilities an
    agent open exactly when it serves a job and `open_count` open; minimise arc and
    opening costs. `starts` are each job's first arc (arcs sorted by job)."""
    ga, gj = sub.agents[ap], sub.jobs[jp]
    m = cp_model.CpModel()
    x = [m.new_bool_var("") for _ in range(len(ap))]
    for k in range(len(sub.jobs)):
        m.add_exactly_one(x[starts[k]: starts[k + 1]])
    by_agent = np.argsort(ap, kind="stable")
    a_starts = np.searchsorted(ap[by_agent], np.arange(len(sub.agents) + 1))
    w = core.W[ga, gj]
    y: dict[int, cp_model.IntVar] = {}
    for a in range(len(sub.agents)):
        idx = by_agent[a_starts[a]: a_starts[a + 1]]
        if len(idx) == 0:
            continue
        xs = [x[t] for t in idx]
        load = cp_model.LinearExpr.weighted_sum(xs, w[idx].tolist())
        room = int(sub.room[a])
        if core.facilities:
            ya = m.new_bool_var("")
            y[a] = ya
            for xv in xs:
                m.add_implication(xv, ya)
            m.add_bool_or([*xs, ya.Not()])  # an open agent serves a job
            if int(w[idx].sum()) > room:
                m.add(load <= room * ya)
        elif int(w[idx].sum()) > room:
            m.add(load <= room)
    if core.facilities and sub.open_count is not None:
        m.add(sum(y.values()) == int(sub.open_count))
    obj = cp_model.LinearExpr.weighted_sum(x, core.C[ga, gj].tolist())
    if y:
        obj += cp_model.LinearExpr.weighted_sum(
            list(y.values()), [int(core.fixed[sub.agents[a]]) for a in y])
    m.minimize(obj)
    return m, x, y


def whole(core: Core, arcs: np.ndarray) -> SubProblem:
    """The whole problem as a sub-problem over `arcs`."""
    return SubProblem(jobs=np.arange(core.n), agents=np.arange(core.m), arcs=arcs,
                      room=core.cap.copy(), open_count=core.open_count)
