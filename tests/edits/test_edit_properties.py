"""Random admissible hand edits give plans the independent verifier accepts: every rule,
row, violation and KPI of the edited plan recomputes (only optimality is not claimed)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator import Edit, apply_edits, block_options, edited_schools, prepare_edits, verify

from .helpers import chosen, county

SOLVED = {"county": county, "choose": chosen}
BASES: dict = {}


def base_of(name: str):
    if name not in BASES:
        sc, result = SOLVED[name]()
        BASES[name] = prepare_edits(sc, result)
    return BASES[name]


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SOLVED)), st.lists(st.tuples(st.integers(0, 10**6),
                                                           st.integers(0, 10**6)),
                                                 min_size=1, max_size=6))
def test_random_admissible_edits_pass_the_verifier(name, picks):
    base = base_of(name)
    keys = sorted(base.unit_keys())
    edits: list[Edit] = []
    for k, o in picks:
        bid, level = keys[k % len(keys)]
        school = edited_schools(base, edits)
        options = [x for x in block_options(base, school, bid, level).options if x.admissible]
        edits.append(Edit(block=bid, level=level, school=options[o % len(options)].school))
    plan = apply_edits(base.scenario, base.result, edits, base)
    report = verify(base.scenario, plan.result)
    assert report.ok, [str(p) for p in report.problems]
    assert plan.result.objective >= plan.result.lower_bound - 1e-6
    moved = {(c.block, c.level) for c in plan.changed}
    assert moved <= {(e.block, e.level) for e in edits}
