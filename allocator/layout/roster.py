"""The roster the teacher rotation sees after the layout: merged schools' teachers at the
school they merged into, teachers of closed schools left out (with a warning)."""

from __future__ import annotations

from allocator.model.findings import Finding
from allocator.model.scenario import Scenario

from .operations import apply_layout
from .plan import Layout


def roster_scenario(scenario: Scenario, layout: Layout | None = None
                    ) -> tuple[Scenario, list[Finding]]:
    """The scenario the teacher rotation sees: the layout applied (its open schools, no
    operations left) and the roster after it (teachers of merged schools at the school they
    merged into) without the teachers whose school the layout closes; a warning names those.
    The scenario itself when it has no layout. `layout`: the scenario's layout, already
    applied (else it is applied here)."""
    if not scenario.layout:
        return scenario, []
    lay = layout if layout is not None else apply_layout(scenario)
    open_ids = {s.id for s in lay.schools}
    gone = [t.id for t in lay.teachers if t.school not in open_ids]
    kept = [t for t in lay.teachers if t.school in open_ids]
    warnings = [] if not gone else [Finding(
        severity="warning", code="teachers_without_school", field="teachers",
        record=f"teacher '{gone[0]}'",
        message=f"{len(gone)} teacher(s) whose school the layout closes take no part in the "
                f"rotation ({', '.join(gone[:8])}{' ...' if len(gone) > 8 else ''}); merge "
                "their school instead, or give them a school")]
    return scenario.model_copy(update={"schools": lay.schools, "layout": [],
                                       "teachers": kept}), warnings
