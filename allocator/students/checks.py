"""Checks of a scenario before solving: structured findings, errors stop, warnings travel.

`check_scenario` looks at records and ids; `check_units` runs once the candidate arcs exist
(no admissible school, capacity below pupils per level with the shortfall per township).
Every finding names the record and the field and says how to fix it.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from allocator.model.findings import Finding
from allocator.model.grades import GRADES, LEVEL_GRADES, format_grades, parse_grade_key
from allocator.model.scenario import Scenario

from .arcs import Arcs, Units
from .instance import Instance
from .planning_checks import check_left_behind, check_township_rules


def _err(code: str, message: str, record: str | None = None, field: str | None = None):
    return Finding(severity="error", code=code, message=message, record=record, field=field)


def _warn(code: str, message: str, record: str | None = None, field: str | None = None):
    return Finding(severity="warning", code=code, message=message, record=record, field=field)


def check_duplicate_ids(scenario: Scenario) -> list[Finding]:
    """Error for every id used twice among schools, blocks or teachers."""
    out = []
    for label, items in (("school", scenario.schools), ("block", scenario.blocks),
                         ("teacher", scenario.teachers)):
        for rid, n in Counter(i.id for i in items).items():
            if n > 1:
                out.append(_err("duplicate_id", f"id used by {n} {label}s; ids must be unique",
                                f"{label} '{rid}'", "id"))
    return out


def check_locations(scenario: Scenario) -> list[Finding]:
    """Open schools need a location; blocks need a location or a valid geometry."""
    out = []
    for s in scenario.schools:
        if s.status == "open" and s.location is None:
            out.append(_err("missing_location", "open school has no location [x, y]",
                            f"school '{s.id}'", "location"))
    for b in scenario.blocks:
        if b.location is None and b.geometry is None:
            out.append(_err("missing_location", "block has neither location nor geometry",
                            f"block '{b.id}'", "location"))
        elif b.location is None:
            try:
                from shapely.geometry import shape

                geom = shape(b.geometry)
                if geom.is_empty:
                    raise ValueError("empty geometry")
            except Exception as exc:  # shapely raises several types for bad GeoJSON
                out.append(_err("bad_geometry", f"geometry is not usable GeoJSON: {exc}",
                                f"block '{b.id}'", "geometry"))
    return out


def check_classrooms(scenario: Scenario) -> list[Finding]:
    """Open schools need classrooms (total or per level)."""
    return [
        _err("missing_classrooms", "open school needs classrooms or classrooms_by_level",
             f"school '{s.id}'", "classrooms")
        for s in scenario.schools
        if s.status == "open" and s.classrooms is None and s.classrooms_by_level is None
    ]


def check_unknown_ids(scenario: Scenario) -> list[Finding]:
    """References to schools or blocks that do not exist."""
    schools = {s.id for s in scenario.schools}
    opened = {op.school.id for op in scenario.layout if op.op == "open"}  # new schools
    blocks = {b.id for b in scenario.blocks}
    out = []
    for b in scenario.blocks:
        for key, sid in (b.current_school or {}).items():
            if sid not in schools:
                out.append(_err("unknown_id", f"current school '{sid}' is not a school",
                                f"block '{b.id}'", f"current_school.{key}"))
    for t in scenario.teachers:
        if t.school not in schools:
            out.append(_err("unknown_id", f"school '{t.school}' is not a school",
                            f"teacher '{t.id}'", "school"))
    for i, lock in enumerate(scenario.options.locked):
        if lock.block not in blocks:
            out.append(_err("unknown_id", f"block '{lock.block}' is not a block",
                            f"options.locked[{i}]", "block"))
        if lock.school not in schools | opened:
            out.append(_err("unknown_id", f"school '{lock.school}' is not a school",
                            f"options.locked[{i}]", "school"))
    return out


def check_grades_served(scenario: Scenario, schools) -> list[Finding]:
    """Error for a grade with pupils that no open school serves."""
    served = set()
    for s in schools:
        served.update(s.served_grades())
    year = scenario.options.year
    totals = np.array([b.pupils(year) for b in scenario.blocks]).sum(axis=0)
    return [
        _err("grade_not_served", f"{int(totals[g - 1])} pupils in grade {g} but no open school "
             "serves it; add a school or set a school's grades", None, f"grade {g}")
        for g in GRADES if totals[g - 1] > 0 and g not in served
    ]


def check_current_schools(scenario: Scenario) -> list[Finding]:
    """Warn when today's school does not serve the grades it is given for, or is closed."""
    by_id = {s.id: s for s in scenario.schools}
    out = []
    for b in scenario.blocks:
        for key, sid in (b.current_school or {}).items():
            s = by_id.get(sid)
            if s is None:
                continue
            missing = [g for g in parse_grade_key(key) if g not in s.served_grades()
                       and b.pupils()[g - 1] > 0]
            if missing:
                out.append(_warn("current_school_grades",
                                 f"school '{sid}' does not serve grades "
                                 f"{format_grades(missing)}", f"block '{b.id}'",
                                 f"current_school.{key}"))
            if s.status != "open":
                out.append(_warn("current_school_closed", f"today's school '{sid}' is "
                                 f"{s.status}; its pupils must move", f"block '{b.id}'",
                                 f"current_school.{key}"))
    return out


def check_projection_year(scenario: Scenario) -> list[Finding]:
    year = scenario.options.year
    if year is None:
        return []
    missing = [b.id for b in scenario.blocks if not b.students_by_year or
               year not in b.students_by_year]
    if not missing:
        return []
    return [_warn("projection_missing", f"{len(missing)} blocks have no students_by_year "
                  f"['{year}'] and use their current students (first: {missing[0]})",
                  None, "options.year")]


def check_scenario(scenario: Scenario, schools) -> list[Finding]:
    """All record-level checks; `schools` are the effective (open) schools."""
    return (check_duplicate_ids(scenario) + check_locations(scenario)
            + check_classrooms(scenario) + check_unknown_ids(scenario)
            + check_grades_served(scenario, schools) + check_current_schools(scenario)
            + check_projection_year(scenario) + check_left_behind(scenario)
            + check_township_rules(scenario))


def check_locks(inst: Instance, locks_raw) -> list[Finding]:
    """Locked schools must serve the level's grades in which the block has pupils (all of
    the level's grades for a block with pupils in each; a teaching point may hold a block
    whose pupils of the level are all in its grades)."""
    out = []
    sidx, bidx = inst.school_index(), inst.block_index()
    for i, lock in enumerate(locks_raw):
        j = sidx.get(lock.school)
        if j is None:
            out.append(_err("locked_closed", f"school '{lock.school}' is not open",
                            f"options.locked[{i}]", "school"))
            continue
        grades = np.array(LEVEL_GRADES[lock.level]) - 1
        b = bidx.get(lock.block)
        if b is not None and inst.pupils[b, grades].sum() > 0:
            grades = grades[inst.pupils[b, grades] > 0]
        if not inst.serves[j, grades].all():
            out.append(_err("locked_grades", f"school '{lock.school}' does not serve all "
                            f"{lock.level} grades", f"options.locked[{i}]", "school"))
    return out


def check_units(inst: Instance, units: Units, arcs: Arcs) -> list[Finding]:
    """No school serving a unit's grades (error; young pupils beyond the day radius are no
    input error, see `rules.day_radius`) and per-level capacity shortfall (warning: strict
    mode then proves infeasibility and explains it)."""
    out = []
    has_arc = np.zeros(len(units), dtype=bool)
    has_arc[arcs.unit] = True
    for u in np.flatnonzero(~has_arc):
        b = units.block[u]
        grades = format_grades([g + 1 for g in np.flatnonzero(units.grades[u])])
        lv = "primary" if units.level[u] == 0 else "junior"
        msg = (f"no open school serves grades {grades}; open a school serving them or "
               "change a school's grades")
        out.append(_err("no_admissible_school", msg, f"block '{inst.block_ids[b]}'",
                        f"students ({lv})"))
    out += check_capacity(inst)
    return out


def level_seats(inst: Instance, lv: int) -> np.ndarray:
    """Pupils of level `lv` (0 primary, 1 junior) each school can seat: its rooms for the
    level (all its rooms where the levels share them) x the level's class size cap, at most
    its size cap."""
    rooms = np.where(inst.rooms_level[:, lv] >= 0, inst.rooms_level[:, lv], inst.rooms)
    return np.minimum(rooms * int(inst.class_cap[6 * lv]), inst.size_cap)


def check_capacity(inst: Instance) -> list[Finding]:
    """Per level: seats (classrooms x class cap, within size caps) against pupils."""
    out = []
    towns = [s.township or "(no township)" for s in inst.schools]
    btown = [b.township or "(no township)" for b in inst.scenario.blocks]
    for lv, name, sl in ((0, "primary", slice(0, 6)), (1, "junior", slice(6, 9))):
        serves = inst.serves[:, sl].any(axis=1)
        seats = np.where(serves, level_seats(inst, lv), 0)
        pupils = inst.pupils[:, sl].sum(axis=1)
        if pupils.sum() <= seats.sum():
            continue
        short: dict[str, int] = {}
        for t in set(towns) | set(btown):
            d = int(pupils[[i for i, x in enumerate(btown) if x == t]].sum()) - int(
                seats[[i for i, x in enumerate(towns) if x == t]].sum())
            if d > 0:
                short[t] = d
        detail = ", ".join(f"{t} {n}" for t, n in sorted(short.items(), key=lambda x: -x[1]))
        msg = (f"{name}: {int(pupils.sum())} pupils but only {int(seats.sum())} seats "
               f"(classrooms x {int(inst.class_cap[sl.start])}, within size caps); "
               f"shortfall by township: {detail}")
        out.append(_warn("capacity_shortfall", msg + "; the plan must break capacity rules "
                         "(strict mode: infeasible)", None, name))
    return out
