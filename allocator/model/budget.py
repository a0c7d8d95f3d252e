"""What a solve may spend and whom it tells: the `Budget` and its `ProgressEvent`s.

A `Budget` replaces the (deadline, target gap, workers, seed, progress callback) that every
search step needs. It is a value: `started()` gives a copy whose clock runs from now, and
each stage of a solve starts its own clock (the time limit applies to each stage).
`ProgressEvent` is what the callback receives: the stage and, while searching, the
incumbent objective, the best bound and their gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Options


@dataclass(frozen=True)
class ProgressEvent:
    """A progress report: the stage and, during search, incumbent / bound / gap."""

    stage: str
    message: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None


Progress = Callable[[ProgressEvent], None]


def _silent(event: ProgressEvent) -> None:
    """The progress callback of a budget nobody listens to."""


@dataclass(frozen=True)
class Budget:
    """Time limit (seconds), target relative gap (stop once this close to the bound), CP-SAT
    workers, random seed and a progress callback. `start` is the `time.perf_counter()` at
    which the clock started (None: not started); `deadline` needs a started budget."""

    time_limit: float = 60.0
    target_gap: float = 0.001
    workers: int = 8
    seed: int = 0
    progress: Progress | None = None
    start: float | None = None

    @classmethod
    def from_options(cls, options: Options, *, time_limit: float | None = None,
                     progress: Progress | None = None) -> Budget:
        """The budget a scenario's `options` give, with an optional time limit instead of
        `options.time_limit_s`."""
        return cls(time_limit=options.time_limit_s if time_limit is None else time_limit,
                   target_gap=options.relative_gap, workers=options.workers,
                   seed=options.seed, progress=progress)

    def started(self) -> Budget:
        """This budget with its clock running from now."""
        return replace(self, start=time.perf_counter())

    def with_limit(self, seconds: float) -> Budget:
        """A budget of `seconds` starting now (same gap, workers, seed, progress)."""
        return replace(self, time_limit=seconds, start=time.perf_counter())

    def with_progress(self, progress: Progress | None) -> Budget:
        return replace(self, progress=progress)

    @property
    def deadline(self) -> float:
        """The `time.perf_counter()` value at which the time limit is reached."""
        if self.start is None:
            raise RuntimeError("the budget's clock has not started (call started())")
        return self.start + self.time_limit

    def at(self, share: float) -> float:
        """The `time.perf_counter()` value when `share` of the time limit has passed."""
        return self.deadline - (1.0 - share) * self.time_limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.deadline + self.time_limit

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once past it)."""
        return self.deadline - time.perf_counter()

    def say(self, stage: str, message: str = "", objective: float | None = None,
            bound: float | None = None, gap: float | None = None) -> None:
        """Report progress to the callback (if any)."""
        (self.progress or _silent)(ProgressEvent(stage, message, objective, bound, gap))
