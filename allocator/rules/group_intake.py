"""Rule `group_intake` (学区 / group intake): with `options.enrol_within_group`, the pupils
of a block that names a `group` attend a school of that group. In elastic mode a school
outside it costs `policy.penalties.group_intake` per pupil and the plan names the
violation; in strict mode such assignments are not allowed. Blocks without a group are free.

The solver, the result rows and `verify` all call these functions, so the numbers agree.
"""

from __future__ import annotations

import numpy as np

from allocator.model.policy import Policy

from .objective import SCALE

RULE = "group_intake"


def group_codes(block_groups: list[str | None], school_groups: list[str | None],
                on: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the blocks' and schools' groups: a block's code is -1 when the rule
    is off or the block names no group; a school without a group gets -2 (no block's)."""
    names = {g: i for i, g in enumerate(sorted({g for g in block_groups + school_groups
                                                if g}))}
    b = np.array([names[g] if (on and g) else -1 for g in block_groups], dtype=np.int64)
    s = np.array([names[g] if g else -2 for g in school_groups], dtype=np.int64)
    return b, s


def is_cross_group(block_code: np.ndarray, school_code: np.ndarray) -> np.ndarray:
    """Whether attending the school breaks the block's group intake (codes broadcast)."""
    return (np.asarray(block_code) >= 0) & (np.asarray(block_code) != np.asarray(school_code))


def cross_group_units(pupils: np.ndarray, cross: np.ndarray, policy: Policy) -> np.ndarray:
    """Integer objective units of pupils attending outside their block's group."""
    value = policy.penalties.group_intake * np.asarray(pupils) * np.asarray(cross)
    return np.rint(SCALE * value).astype(np.int64)
