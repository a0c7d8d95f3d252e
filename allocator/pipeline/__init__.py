"""The one way through a solve: `prepare` a scenario once, run its stages, assemble one
Result (`run.solve`); `validate` finds what would stop it."""

from .prepare import PreparedScenario, Stage, default_stage, prepare, validate
from .run import solve

__all__ = ["PreparedScenario", "Stage", "default_stage", "prepare", "solve", "validate"]
