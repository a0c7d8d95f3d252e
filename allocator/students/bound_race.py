"""The whole-class county bound proved in a background thread while the search runs.

SCIP spends its time in C++ with the GIL released (measured: a Python thread beside its
`Solve()` kept its full rate), so on two cores the bound and the search run side by side
instead of one after the other: the search keeps the whole time limit and the bound gets
it too. `BoundRace.start` builds and solves `county_bound.prove_county_bound` in a daemon
thread that stops by the deadline given; `BoundRace.finish` interrupts SCIP if it still
runs (the bound proved so far stays valid: it is the root LP's bound after the cuts made),
joins the thread and returns what it proved. Every path out of the search calls `finish`
(`racing` is a context manager), so no solve outlives the stage that started it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .arcs import Arcs, Units
from .county_bound import CountyBound, prove_county_bound
from .flow_bound import FlowRelaxation
from .instance import Instance

JOIN_GRACE = 2.0  # seconds `finish` waits for SCIP to stop after an interrupt
INTERRUPT_EVERY = 0.1  # seconds between interrupts while waiting (one may land too early)


class Interrupter:
    """Lets another thread stop a SCIP solve that may not have started yet: `attach` is
    refused once `stop` was called, and `stop` interrupts the attached solver."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._solver = None
        self._stopped = False

    def stopped(self) -> bool:
        return self._stopped

    def attach(self, solver) -> bool:
        """Register `solver` to be interrupted; False (do not solve) if already stopped."""
        with self._lock:
            if self._stopped:
                return False
            self._solver = solver
            return True

    def stop(self) -> None:
        """Refuse further solves and interrupt the running one, if any."""
        with self._lock:
            self._stopped = True
            if self._solver is not None:
                self._solver.InterruptSolve()


class BoundRace:
    """A county bound being proved in a daemon thread (see the module docstring)."""

    def __init__(self, inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation, *,
                 strict: bool, deadline: float) -> None:
        self.control = Interrupter()
        self.outcome: CountyBound | None = None
        self.error: BaseException | None = None
        self.started_at = time.perf_counter()
        self._thread = threading.Thread(
            target=self._run, args=(inst, units, arcs, rel, strict, deadline),
            name="county-bound", daemon=True)

    def _run(self, inst, units, arcs, rel, strict, deadline) -> None:
        try:
            self.outcome = prove_county_bound(inst, units, arcs, rel, strict=strict,
                                              deadline=deadline, control=self.control)
        except BaseException as exc:  # reported by `finish`, never lost in the thread
            self.error = exc

    @classmethod
    def start(cls, inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation, *,
              strict: bool, deadline: float) -> BoundRace:
        """A race already running (its thread started)."""
        race = cls(inst, units, arcs, rel, strict=strict, deadline=deadline)
        race._thread.start()
        return race

    def finish(self, grace: float = JOIN_GRACE) -> CountyBound:
        """Stop the solve (interrupting SCIP if it still runs), wait up to `grace` seconds
        for the thread and return its bound; an unfinished or failed thread gives no bound
        (stats say why). An exception raised in the thread is re-raised here."""
        self.control.stop()
        t_end = time.perf_counter() + grace
        while self._thread.is_alive() and time.perf_counter() < t_end:
            self._thread.join(INTERRUPT_EVERY)
            self.control.stop()
        if self.error is not None:
            raise self.error
        if self._thread.is_alive() or self.outcome is None:
            return CountyBound(bound=None, stats={
                "class_bound_s": round(time.perf_counter() - self.started_at, 3),
                "class_bound_unfinished": True})
        return self.outcome


@contextmanager
def racing(inst: Instance, units: Units, arcs: Arcs, rel: FlowRelaxation, *, strict: bool,
           deadline: float) -> Iterator[BoundRace]:
    """A `BoundRace` for the body of a `with` block; stopped on every way out of it."""
    race = BoundRace.start(inst, units, arcs, rel, strict=strict, deadline=deadline)
    try:
        yield race
    finally:
        race.control.stop()
