"""The independent checkers of the shared benchmark folder, and what they say about a plan.

`check_gap.py` and `check_pmedcap.py` (standard library only, written apart from this
project) re-read the instance file and evaluate an assignment. Every plan the benchmark
reports is passed to them; `CheckerDisagrees` is raised when a checker finds the plan
infeasible or its cost differs from the cost the solver claims.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np

from .orlib import Published


class CheckerDisagrees(RuntimeError):
    """A checker found a plan infeasible or costed it differently from the solver."""


class CheckerMissing(RuntimeError):
    """The checker script is not in the data folder."""


@lru_cache(maxsize=4)
def checker(data_dir: Path, name: str) -> ModuleType:
    """Import `name`.py (check_gap or check_pmedcap) from the data folder."""
    path = Path(data_dir) / f"{name}.py"
    if not path.is_file():
        raise CheckerMissing(f"independent checker {path} not found: every result must be "
                             "verified; pass --data with the shared benchmarks folder")
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@lru_cache(maxsize=64)
def _parsed(data_dir: Path, name: str, path: Path) -> list:
    mod = checker(data_dir, name)
    return mod.parse_gap_file(str(path)) if name == "check_gap" else mod.parse_pmedcap_file(
        str(path))


def metric_of(inst: Published) -> str:
    """The checker's cost measure for this instance: exact (GAP), floor or real."""
    return {"gap": "objective", "pmedcap": "floor", "lorena": "real"}[inst.kind]


def verify_plan(inst: Published, assign: np.ndarray, claimed: float, data_dir: Path,
                who: str = "ours") -> float:
    """The checker's cost of `assign` (agent or median per job, 0-based); raises
    CheckerDisagrees when the plan is infeasible or the cost is not `claimed`."""
    name = "check_gap" if inst.kind == "gap" else "check_pmedcap"
    probs = _parsed(Path(data_dir), name, Path(inst.path).resolve())
    if len(probs) < inst.index:
        raise CheckerDisagrees(f"{inst.name}: the checker reads {len(probs)} problems in "
                               f"{inst.path}, we read problem {inst.index}")
    mod = checker(Path(data_dir), name)
    res = mod.evaluate(probs[inst.index - 1], [int(v) for v in assign])
    metric = metric_of(inst)
    value = float(res[metric])
    tol = 1e-6 * max(1.0, abs(value))
    if not res["feasible"] or abs(value - claimed) > tol:
        raise CheckerDisagrees(
            f"{inst.name} ({who}): checker {name} says {metric}={value:.4f}, "
            f"feasible={res['feasible']} {res['errors'][:3]}; the solver claimed {claimed:.4f}")
    return value
