"""The teacher roster of a synthetic county (`allocator.io.generate` with teachers=True).

`make_teachers` staffs the generated schools for today's pupils: teachers per school and
level, subjects in proportion to the curriculum (`SUBJECTS`, main subjects first, shared out
by `share_out`), titles, backbone teachers, exemptions, volunteers, ages and years at the
school, all drawn from the county's seeded random generator.
"""

from __future__ import annotations

import numpy as np

from allocator.model.grades import LEVELS

SUBJECTS = {"primary": {"chinese": .30, "math": .24, "english": .10, "science": .07, "pe": .08,
                        "music": .06, "art": .06, "morality": .05, "it": .04},
            "junior": {"chinese": .14, "math": .14, "english": .13, "physics": .07,
                       "chemistry": .05, "biology": .05, "history": .06, "geography": .06,
                       "politics": .06, "pe": .09, "music": .04, "art": .04, "it": .07}}


def share_out(rng: np.random.Generator, k: int, weights: np.ndarray) -> np.ndarray:
    """`k` items split over categories in proportion to `weights` (largest remainders,
    ties broken at random): a school's few teachers teach the main subjects first."""
    exact = k * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = exact - counts + rng.uniform(0, 1e-6, len(weights))
    counts[np.argsort(-rest)[:k - int(counts.sum())]] += 1
    return counts


def make_teachers(rng: np.random.Generator, schools: list[dict], demand: np.ndarray,
                  rooms: np.ndarray) -> list[dict]:
    """A roster for today's pupils: per school and level about pupils / 19 (primary) or / 13.5
    (junior), at least 1.5 per classroom below 100 pupils; county-town schools hold a few
    more teachers than that, rural ones a few fewer (the usual rural shortage). Subjects per
    school in proportion to the curriculum (main subjects first); ~12% senior titles (16% in
    town, 10% rural), backbone ~15-20% (more in town); a few exempt (pregnancy, illness,
    rotated this term) and volunteers; ages 23-59 (women <= 55); years at the school 0-20."""
    p = np.column_stack([demand[:, :6].sum(1), demand[:, 6:].sum(1)])
    urban_s = np.array([s["urban"] for s in schools], dtype=bool)[:, None]
    staffing = np.where(urban_s, rng.uniform(1.0, 1.15, p.shape), rng.uniform(0.85, 1.05, p.shape))
    per = np.rint(p / [19.0, 13.5] * staffing)
    per = np.where(rooms > 0, np.maximum(per, np.where(p < 100, np.ceil(1.5 * rooms), 1)), 0)
    at = np.repeat(np.arange(per.size), per.ravel().astype(np.int64))  # school x 2 + level
    sid, lvl = np.array([s["id"] for s in schools])[at // 2], np.array(LEVELS)[at % 2]
    urb, n = np.array([s["urban"] for s in schools])[at // 2], len(at)
    female = rng.random(n) < np.where(lvl == "primary", 0.7, 0.55)
    age = rng.integers(23, np.where(female, 56, 60))
    senior = rng.random(n) < np.where(urb, 0.16, 0.10)
    subject = np.empty(n, dtype="<U10")
    for cell in np.flatnonzero(per.ravel()):
        table = SUBJECTS[LEVELS[cell % 2]]
        rows = np.flatnonzero(at == cell)
        counts = share_out(rng, len(rows), np.array(list(table.values())))
        subject[rows] = rng.permutation(np.repeat(list(table), counts))
    u = rng.random(n)
    cols = {"school": sid, "subject": subject, "level": lvl,
            "title": np.where(senior, "senior", rng.choice(["intermediate", "junior"], n)),
            "backbone": rng.random(n) < np.where(senior, 0.5, np.where(urb, 0.22, 0.1)),
            "years_at_school": np.minimum(rng.integers(0, 21, n), age - 22), "age": age,
            "sex": np.where(female, "female", "male"),
            "degree": rng.choice(["master", "bachelor", "associate", "secondary"], n,
                                 p=[0.06, 0.62, 0.28, 0.04]),
            "exempt": np.where(female & (age < 40) & (u < 0.05), "pregnancy",
                               np.where(u > 0.985, "illness",
                                        np.where(u > 0.955, "rotated_this_term", ""))),
            "volunteer": rng.random(n) < 0.03, "pe_art": np.isin(subject, ("pe", "music", "art"))}
    return [{"id": f"TCH{i + 1:05d}", **{k: v[i].item() for k, v in cols.items()
                                        if k != "exempt" or v[i]}} for i in range(n)]
