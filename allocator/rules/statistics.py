"""Balance statistics across schools (督导评估 indicators).

`weighted_cv` is the coefficient of variation the national evaluation uses: the
enrolment-weighted standard deviation of an indicator across schools divided by its
enrolment-weighted mean.
"""

from __future__ import annotations

import numpy as np


def weighted_cv(values, weights) -> float | None:
    """Enrolment-weighted coefficient of variation; None when undefined (no weight or a
    zero mean). Schools with zero weight do not count."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = (w > 0) & np.isfinite(v)
    v, w = v[keep], w[keep]
    if w.sum() <= 0:
        return None
    mean = float((v * w).sum() / w.sum())
    if mean == 0:
        return None
    var = float((w * (v - mean) ** 2).sum() / w.sum())
    return round(var ** 0.5 / mean, 6)
