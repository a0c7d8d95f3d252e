"""Scenario sweeps and province-wide batches: variants of a base scenario (a grid of option
and policy values, layout plans, closure subsets) or a folder of county scenarios, solved on
a local process pool or a Dask cluster, ranked, with their Pareto front and a comparison of
the best (`run_sweep`)."""

from .backends import BackendError
from .runner import SweepReport, run_sweep
from .spec import SpecError, load_sweep

__all__ = ["BackendError", "SpecError", "SweepReport", "load_sweep", "run_sweep"]
