"""Large-neighbourhood search: free part of the plan, re-solve it exactly with CP-SAT, repeat.

Two kinds of neighbourhood:
- agents: a seed agent and the agents most related to it (among the cheapest agents of the
  same jobs: nearby sites for p-median, competing agents for GAP); their jobs are freed and
  may move among them. For facilities the freed open agents may close and any closed agent
  the freed jobs can reach may open instead, keeping the number open ("swapping medians").
- jobs (no facilities): a random set of jobs (jobs with more cheap alternatives are drawn
  more often), free to move to any agent with room left by the jobs that stay, over their
  LP-cheap arcs only (the few arcs per job of smallest reduced cost, plus today's arc);
  this finds the move chains across many agents that tight capacities need.
Each sub-problem goes to CP-SAT with the current plan as a complete hint, so a sub-solution
is never worse, and a better one is a better plan. The loop, the clock and the adaptive sizes
are the shared driver's (`lns.search`, also the student search's): a neighbourhood kind grows
after `patience` re-solves in a row that find nothing, and shrinks when CP-SAT cannot finish
its sub-problems in time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .core import Core, loads, opened, plan_cost
from .lns import Kind, LnsStats, search
from .model import SubProblem, solve_sub


def relatedness(core: Core, arcs: np.ndarray, top: int = 5) -> np.ndarray:
    """(m, m) counts: how many jobs have both agents among their `top` cheapest arcs."""
    t = min(top, core.m)
    c = np.where(arcs & core.allowed, core.C, np.iinfo(np.int64).max)
    best = np.argpartition(c, t - 1, axis=0)[:t] if t < core.m else np.argsort(c, axis=0)
    rel = np.zeros((core.m, core.m), dtype=np.int64)
    for a in range(t):
        for b in range(t):
            if a != b:
                np.add.at(rel, (best[a], best[b]), 1)
    return rel


class Lns:
    """The current plan and the neighbourhoods around it (`lns.Neighbourhoods`)."""

    def __init__(self, core: Core, arcs: np.ndarray, assign: np.ndarray, seed: int,
                 rc: np.ndarray | None = None, per_job: float = 2.5, sub_time: float = 0.3):
        self.core, self.arcs = core, arcs & core.allowed
        self.assign = assign.copy()
        self.cost_now = plan_cost(core, assign)
        self.sub_time = sub_time
        self.rng = np.random.default_rng(seed)
        self.related = relatedness(core, self.arcs)
        self.cheap = self.arcs
        if rc is not None:  # LP-cheap arcs: about `per_job` per job, by reduced cost
            vals = np.sort(rc[self.arcs])
            cut = vals[min(len(vals) - 1, int(per_job * core.n))]
            self.cheap = self.arcs & (rc <= cut)
        t = min(4, core.m)  # each job's few cheapest agents: where a freed job may go
        c = np.where(self.arcs, core.C, np.iinfo(np.int64).max)
        self.near = np.argpartition(c, t - 1, axis=0)[:t] if t < core.m else np.argsort(
            c, axis=0)
        flex = self.cheap.sum(axis=0).astype(float)
        self.job_weight = (flex + 0.5) / (flex + 0.5).sum()

    def _cluster(self, seed: int, size: int, cand: np.ndarray) -> np.ndarray:
        """`seed` and its `size - 1` most related agents among `cand` (random tie-breaks)."""
        cand = cand.copy()
        cand[seed] = False
        score = np.where(cand, self.related[seed] + self.rng.random(self.core.m) * 0.5, -1.0)
        order = np.argsort(-score)[: max(0, size - 1)]
        return np.concatenate([[seed], order[score[order] >= 0]]).astype(np.int64)

    def agents_region(self, size: int, split: bool = False) -> SubProblem:
        """A random seed agent (open, for facilities), its `size - 1` most related (open)
        agents, their jobs and, for facilities, the closed agents among the few cheapest of
        those jobs. With `split`, two clusters around two random seeds share the size, so a
        facility can move from one to the other."""
        core = self.core
        cand = opened(core, self.assign) if core.facilities else np.ones(core.m, dtype=bool)
        seed = int(self.rng.choice(np.flatnonzero(cand)))
        if split and size >= 2 and cand.sum() > size:
            first = self._cluster(seed, (size + 1) // 2, cand)
            rest = cand.copy()
            rest[first] = False
            rest[np.argsort(-self.related[seed])[: size]] = False  # the second one elsewhere
            if not rest.any():
                rest = cand.copy()
                rest[first] = False
            other = int(self.rng.choice(np.flatnonzero(rest)))
            rest = cand.copy()
            rest[first] = False
            region = np.concatenate([first, self._cluster(other, size // 2, rest)])
        else:
            region = self._cluster(seed, size, cand)
        in_region = np.zeros(core.m, dtype=bool)
        in_region[region] = True
        jobs = np.flatnonzero(in_region[self.assign])
        agents = region
        if core.facilities:
            reach = np.zeros(core.m, dtype=bool)
            reach[self.near[:, jobs].ravel()] = True
            reach &= ~opened(core, self.assign)
            agents = np.concatenate([region, np.flatnonzero(reach)])
        return SubProblem(jobs=jobs, agents=agents, arcs=self.arcs, room=core.cap[agents],
                          open_count=len(region) if core.facilities else None)

    def jobs_region(self, size: int) -> SubProblem:
        """`size` random jobs, free to move to any agent within the room the others leave."""
        core = self.core
        jobs = np.sort(self.rng.choice(core.n, size=min(size, core.n), replace=False,
                                       p=self.job_weight))
        keep = self.assign.copy()
        keep[jobs] = -1
        room = core.cap - loads(core, keep)
        arcs = self.cheap.copy()
        arcs[self.assign, np.arange(core.n)] = True
        return SubProblem(jobs=jobs, agents=np.arange(core.m), arcs=arcs, room=room)

    def cost(self) -> int:
        """The cost of the current plan."""
        return self.cost_now

    def pick(self, kind: Kind) -> SubProblem:
        """A neighbourhood of `kind` ("agents", "split" or "jobs") at its size."""
        if kind.name == "jobs":
            return self.jobs_region(kind.size)
        return self.agents_region(kind.size, split=kind.name == "split")

    def time_for(self, kind: Kind) -> float:
        """The same time for every sub-solve: `sub_time` seconds."""
        return self.sub_time

    def settled(self) -> bool:
        """Never known here: the search ends when every kind is exhausted."""
        return False

    def solve(self, sub: SubProblem, time_limit: float, workers: int) -> tuple[int, str]:
        """Re-solve `sub` from the current plan; apply it when better. Returns (gain, status);
        "skipped" when fewer than two jobs are free."""
        core = self.core
        if len(sub.jobs) < 2:
            return 0, "skipped"
        out = solve_sub(core, sub, self.assign[sub.jobs], time_limit=time_limit,
                        workers=workers, seed=int(self.rng.integers(1 << 30)))
        if out.assign is None:
            return 0, out.status
        trial = self.assign.copy()
        trial[sub.jobs] = out.assign
        new_cost = plan_cost(core, trial)
        if new_cost >= self.cost_now:
            return 0, out.status
        gain = self.cost_now - new_cost
        self.assign, self.cost_now = trial, new_cost
        return gain, out.status


def _kinds(core: Core, n_open: int, start_size: int) -> list[Kind]:
    kinds = [Kind("agents", min(start_size, n_open), 2 if n_open > 1 else 1, n_open,
                  patience=max(3, n_open))]
    if core.facilities and n_open > 3:
        kinds.append(Kind("split", 4, 3, n_open, patience=max(3, n_open)))
    if not core.facilities and core.m > 2:
        low = min(core.n, 8)
        kinds.append(Kind("jobs", max(low, min(60, core.n // 2)), low, core.n,
                          step=max(2, core.n // 40), patience=8))
    return kinds


def improve_by_neighbourhoods(
    core: Core, arcs: np.ndarray, assign: np.ndarray, *, deadline: float, workers: int = 1,
    seed: int = 0, start_size: int = 2, sub_time: float = 0.3, target: int | None = None,
    rc: np.ndarray | None = None, on_improve: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, LnsStats]:
    """LNS (`lns.search`, policy `alternate`) from the complete plan `assign` until
    `deadline` (perf_counter), a plan of cost <= `target`, or every kind of neighbourhood
    covers the whole problem without gain. Never returns a worse plan. `rc` (reduced costs)
    selects the arcs of job neighbourhoods; each sub-solve gets `sub_time` seconds."""
    hoods = Lns(core, arcs, assign, seed, rc, sub_time=sub_time)
    n_open = int(opened(core, assign).sum()) if core.facilities else core.m
    stats = search(hoods, _kinds(core, n_open, start_size), deadline=deadline,
                   workers=workers, target=target, min_left=0.02, on_improve=on_improve)
    return hoods.assign, stats
