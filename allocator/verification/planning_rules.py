"""Independent re-checks of the planning rules: the soft day radius for young pupils.

`YoungBeyondChecks` is mixed into the student checker of `verification.students`: while the
assignment rows are read it records, per row, the young pupils beyond the day radius
(`note_young_beyond`); `check_young_beyond` then compares them with the result's
`young_beyond_day_radius` violations (pupils, km beyond, school, cost) and returns the
objective units they add. Strict results may not have any. No solver code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from allocator.model.policy import Policy
from allocator.model.result import Result
from allocator.rules.day_radius import RULE, km_beyond, young_beyond_units
from allocator.rules.objective import SCALE


class YoungBeyondChecks:
    """Recomputed young pupils beyond the day radius, and their check."""

    res: Result
    policy: Policy
    flag: Callable[[str, str, str], None]
    checked: dict[str, int]

    def note_young_beyond(self, block: str, school: str, young: int, km: float,
                          radius: float) -> None:
        """Record one row's young pupils attending beyond the radius (`km` unrounded)."""
        if not hasattr(self, "young_far"):
            self.young_far: dict[tuple[str, str], tuple[int, float, int]] = {}
        units = int(young_beyond_units(np.array([young]), np.array([km]), np.array([radius]),
                                       self.policy)[0])
        self.young_far[(block, school)] = (young, float(km_beyond(km, radius)), units)

    def check_young_beyond(self) -> int:
        """Reported `young_beyond_day_radius` violations against the recomputed ones (one
        per block and school: pupils, km beyond, cost); flags a strict plan that has any.
        Returns their objective units."""
        recomputed = getattr(self, "young_far", {})
        reported = {(v.subject, v.school or ""): v for v in self.res.violations
                    if v.rule == RULE}
        for key in set(recomputed) | set(reported):
            block, school = key
            mine, theirs = recomputed.get(key), reported.get(key)
            if mine is None or theirs is None:
                self.flag(RULE, block, f"young pupils beyond the day radius at {school}: "
                          f"reported {theirs is not None}, recomputed {mine is not None}")
                continue
            young, beyond, units = mine
            if (int(theirs.amount) != young or theirs.km_beyond is None
                    or abs(theirs.km_beyond - beyond) > 0.0051
                    or abs(theirs.cost - units / SCALE) > 0.011):
                self.flag(RULE, block, f"at {school}: reported {theirs.amount:g} pupils "
                          f"{theirs.km_beyond} km beyond (cost {theirs.cost}), recomputed "
                          f"{young} pupils {beyond:.2f} km (cost {units / SCALE})")
        if self.res.strict and self.res.status in ("optimal", "feasible") and recomputed:
            self.flag(RULE, self.res.scenario, "a strict plan has young pupils beyond the "
                      "day radius")
        self.checked[RULE] = len(recomputed)
        return sum(units for _, _, units in recomputed.values())
