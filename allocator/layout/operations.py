"""Layout operations: merges, closures, new schools, expansions, conversions, `choose`.

`apply_layout(scenario)` applies `scenario.layout` to the scenario's open schools in order
and returns the effective schools, the roster after merges, where each school of today went
(`renamed`), the `choose` decisions left to the solver and every open school's annual fixed
cost. It is pure data transformation (no solver code), shared by the solver and `verify`.

Semantics, one operation at a time (each names its index in every error):
- `close`: the school closes; pupils who attend it today must go elsewhere and count as
  moved wherever they go. Its teachers stay on the roster without a school (a warning).
- `merge` (`from` -> `into`): the `from` schools close and their classrooms, beds, teachers
  and resource stock (teaching and sports area, equipment, multimedia rooms) are added to
  `into`. Pupils who attend a merged school today count as attending `into` today, so they
  are not "moved" when they follow it. A stock the data lacks on any side stays missing.
- `open`: a new school (a full school record; it needs a location and classrooms). It may
  reuse the id of a scenario school that is not open (a planned school being built).
- `expand`: classrooms (total, or per level for schools counted per level), beds, a new
  size cap. `add_beds`: beds only.
- `convert`: a new kind (and optional grades); kind `closed` closes the school.
- `choose`: the solver picks which candidates stay open: exactly `keep`, or closing at most
  `close_at_most`; each kept candidate costs its annual fixed cost (the operation's
  `fixed_cost`, else the school's `annual_fixed_cost`, else the policy's
  `funding.fixed_cost_per_school_yuan`). A candidate must be open where the operation
  stands and no later operation may close it or merge it away.
Impossible operations (unknown ids, closed targets, missing location or classrooms, k
larger than the candidates, ...) raise `ScenarioError` with one finding per problem, each
with record "layout[i] (op)" and the field; nothing is applied.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from allocator.model.findings import Finding, ScenarioError
from allocator.model.grades import KIND_GRADES, format_grades
from allocator.model.policy import Policy, resolve_policy
from allocator.model.scenario import (
    AddBedsOp,
    ChooseOp,
    CloseOp,
    ConvertOp,
    ExpandOp,
    LevelClassrooms,
    MergeOp,
    OpenOp,
    Scenario,
    School,
)

from .plan import ChooseSpec, Layout
from .state import LayoutState

STOCK = ("teaching_area_m2", "sports_area_m2", "equipment_value", "multimedia_rooms")


# -- operations -------------------------------------------------------------------------------
def _close(st: LayoutState, i: int, label: str, sid: str, fld: str) -> None:
    if not (st.need_open(label, fld, sid) and st.not_chosen(label, fld, sid)):
        return
    pupils, blocks = st.pupils_today(sid)
    st.remove(sid, label, None)
    n_t = st.teachers_at(sid)
    if n_t:
        st.warn(label, fld, f"{n_t} teachers of '{sid}' have no school after it closes "
                "(a merge transfers them)")
    st.record(i, "close", [sid], f"closed; {pupils} pupils of {blocks} blocks attend it today "
              "and must move")


def _rooms_by_level(s: School) -> tuple[int, int] | None:
    """A school's classrooms as (primary, junior), or None when one number serves both
    levels of a school that has both."""
    if s.classrooms_by_level is not None:
        return s.classrooms_by_level.primary, s.classrooms_by_level.junior
    grades = s.served_grades()
    total = s.classrooms or 0
    if all(g <= 6 for g in grades):
        return total, 0
    if all(g >= 7 for g in grades):
        return 0, total
    return None


def _sum_stock(values: list[float | int | None]) -> float | int | None:
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def _merge(st: LayoutState, i: int, label: str, op: MergeOp) -> None:
    ok = st.need_open(label, "into", op.into)
    sources: list[str] = []
    for k, sid in enumerate(op.schools):
        fld = f"from[{k}]"
        if sid == op.into:
            st.error(label, fld, f"school '{sid}' cannot be merged into itself")
        elif sid in sources:
            st.error(label, fld, f"school '{sid}' is listed twice")
        elif st.need_open(label, fld, sid) and st.not_chosen(label, fld, sid):
            sources.append(sid)
    if not ok or len(sources) != len(op.schools):
        return
    target = st.open[op.into]
    update: dict[str, Any] = {}
    srcs = [st.open[s] for s in sources]
    if target.classrooms_by_level is not None:
        p, j = target.classrooms_by_level.primary, target.classrooms_by_level.junior
        for s in srcs:
            split = _rooms_by_level(s)
            if split is None:
                st.error(label, "from", f"school '{s.id}' gives one classroom count for both "
                         f"levels, but '{op.into}' counts classrooms per level: give "
                         f"'{s.id}' classrooms_by_level")
                return
            p, j = p + split[0], j + split[1]
        update["classrooms_by_level"] = LevelClassrooms(primary=p, junior=j)
    else:
        update["classrooms"] = (target.classrooms or 0) + sum(
            sum(_rooms_by_level(s) or (s.classrooms or 0, 0)) for s in srcs)
    update["boarding_beds"] = target.boarding_beds + sum(s.boarding_beds for s in srcs)
    for attr in STOCK:
        update[attr] = _sum_stock([getattr(target, attr)] + [getattr(s, attr) for s in srcs])
    st.open[op.into] = target.model_copy(update=update)
    served = set(target.served_grades())
    pupils = sum(st.pupils_today(s)[0] for s in sources)
    moved_t = 0
    for s in srcs:
        lost = [g for g in s.served_grades() if g not in served]
        if lost:
            st.warn(label, "into", f"'{op.into}' does not serve grades {format_grades(lost)} "
                    f"of '{s.id}': those pupils go to other schools")
        moved_t += st.teachers_at(s.id)
        st.remove(s.id, label, op.into)
    st.teachers = [t.model_copy(update={"school": op.into}) if t.school in sources else t
                   for t in st.teachers]
    missing = [a for a in STOCK if update[a] is None and getattr(target, a) is not None]
    note = f"; {', '.join(missing)} unknown after the merge (missing on a merged school)" \
        if missing else ""
    st.record(i, "merge", [*sources, op.into],
              f"{', '.join(sources)} merged into {op.into}: classrooms, "
              f"{update['boarding_beds'] - target.boarding_beds} beds, {moved_t} teachers "
              f"and the resource stock transferred; {pupils} pupils attend them today{note}")


def _open(st: LayoutState, i: int, label: str, op: OpenOp) -> None:
    s = op.school
    if s.id in st.open:
        st.error(label, "school.id", f"id '{s.id}' is already an open school; use a new id")
        return
    if s.id in st.gone:
        st.error(label, "school.id", f"id '{s.id}' belongs to a school closed by "
                 f"{st.gone[s.id]}; use a new id")
        return
    bad = False
    if s.location is None:
        st.error(label, "school.location", f"new school '{s.id}' needs a location [x, y]")
        bad = True
    if s.classrooms is None and s.classrooms_by_level is None:
        st.error(label, "school.classrooms", f"new school '{s.id}' needs classrooms or "
                 "classrooms_by_level")
        bad = True
    if bad:
        return
    st.open[s.id] = s.model_copy(update={"status": "open"})
    st.order.append(s.id)
    rooms = s.classrooms if s.classrooms is not None else (
        s.classrooms_by_level.primary + s.classrooms_by_level.junior)  # type: ignore[union-attr]
    st.record(i, "open", [s.id], f"new {s.kind} school with {rooms} classrooms and "
              f"{s.boarding_beds} beds")


def _expand(st: LayoutState, i: int, label: str, op: ExpandOp) -> None:
    if not st.need_open(label, "school", op.school):
        return
    s = st.open[op.school]
    by_lv = op.classrooms_by_level
    added = op.classrooms + (by_lv.primary + by_lv.junior if by_lv else 0)
    if added == 0 and op.boarding_beds == 0 and op.max_students is None:
        st.error(label, "classrooms", "the expansion adds no classrooms, beds or size cap")
        return
    update: dict[str, Any] = {"boarding_beds": s.boarding_beds + op.boarding_beds}
    if s.classrooms_by_level is not None:
        p, j = s.classrooms_by_level.primary, s.classrooms_by_level.junior
        if by_lv is not None:
            p, j = p + by_lv.primary, j + by_lv.junior
        if op.classrooms:
            grades = s.served_grades()
            if all(g <= 6 for g in grades):
                p += op.classrooms
            elif all(g >= 7 for g in grades):
                j += op.classrooms
            else:
                st.error(label, "classrooms", f"school '{s.id}' counts classrooms per level: "
                         "give classrooms_by_level {primary, junior} instead of classrooms")
                return
        update["classrooms_by_level"] = LevelClassrooms(primary=p, junior=j)
    else:
        update["classrooms"] = (s.classrooms or 0) + added
    if op.max_students is not None:
        update["max_students"] = op.max_students
    st.open[op.school] = s.model_copy(update=update)
    cap = f", size cap {op.max_students}" if op.max_students is not None else ""
    st.record(i, "expand", [op.school], f"+{added} classrooms, +{op.boarding_beds} beds{cap}")


def _convert(st: LayoutState, i: int, label: str, op: ConvertOp) -> None:
    if op.kind == "closed":
        if op.grades is not None:
            st.error(label, "grades", "a school converted to closed takes no grades")
            return
        _close(st, i, label, op.school, "school")
        if st.operations and st.operations[-1]["index"] == i:
            st.operations[-1]["op"] = "convert"
        return
    if not st.need_open(label, "school", op.school):
        return
    s = st.open[op.school]
    grades = tuple(sorted(set(op.grades))) if op.grades else KIND_GRADES[op.kind]
    if op.kind == s.kind and grades == s.served_grades():
        st.error(label, "kind", f"school '{s.id}' is already a {s.kind} school serving grades "
                 f"{format_grades(grades)}")
        return
    st.open[op.school] = s.model_copy(update={"kind": op.kind, "grades": (
        list(grades) if op.grades else None)})
    if s.classrooms_by_level is not None:
        for name, lo, hi, n in (("primary", 1, 6, s.classrooms_by_level.primary),
                                ("junior", 7, 9, s.classrooms_by_level.junior)):
            if n == 0 and any(lo <= g <= hi for g in grades):
                st.warn(label, "kind", f"'{s.id}' now serves {name} grades but has no "
                        f"{name} classrooms (expand it with classrooms_by_level)")
    st.record(i, "convert", [op.school], f"{s.kind} -> {op.kind} (grades "
              f"{format_grades(grades)})")


def _add_beds(st: LayoutState, i: int, label: str, op: AddBedsOp) -> None:
    if not st.need_open(label, "school", op.school):
        return
    s = st.open[op.school]
    st.open[op.school] = s.model_copy(update={"boarding_beds": s.boarding_beds + op.beds})
    st.record(i, "add_beds", [op.school], f"+{op.beds} beds ({s.boarding_beds + op.beds})")


def _choose(st: LayoutState, i: int, label: str, op: ChooseOp) -> None:
    ok = True
    for k, sid in enumerate(op.candidates):
        fld = f"candidates[{k}]"
        if op.candidates.index(sid) != k:
            st.error(label, fld, f"school '{sid}' is listed twice")
            ok = False
        elif sid in st.chosen_by:
            st.error(label, fld, f"school '{sid}' is already a candidate of "
                     f"{st.chosen_by[sid]}")
            ok = False
        elif not st.need_open(label, fld, sid):
            ok = False
    n = len(op.candidates)
    if op.keep is not None and op.keep > n:
        st.error(label, "keep", f"keep {op.keep} is larger than the {n} candidates")
        ok = False
    if op.close_at_most is not None and op.close_at_most > n:
        st.error(label, "close_at_most", f"close_at_most {op.close_at_most} is larger than "
                 f"the {n} candidates")
        ok = False
    if st.sc.options.contiguity:
        st.error(label, "op", "choose cannot be combined with options.contiguity yet: solve "
                 "without contiguity, or close the chosen candidates by hand")
        ok = False
    if not ok:
        return
    default = st.policy.funding.fixed_cost_per_school_yuan
    costs = {sid: float(op.fixed_cost if op.fixed_cost is not None else (
        st.open[sid].annual_fixed_cost if st.open[sid].annual_fixed_cost is not None
        else default)) for sid in op.candidates}
    spec = ChooseSpec(index=i, candidates=list(op.candidates), keep=op.keep,
                      close_at_most=op.close_at_most, fixed_cost=costs)
    st.choose.append(spec)
    for sid in op.candidates:
        st.chosen_by[sid] = label
    if st.sc.options.weights.fixed_cost == 0 and op.close_at_most is not None:
        st.warn(label, "close_at_most", "options.weights.fixed_cost is 0: fixed costs do not "
                "count in the objective, so closing a candidate never pays and all stay open "
                "(set a weight in pupil-km per yuan)")
    st.record(i, "choose", list(op.candidates), f"the solver decides: {spec.rule_text()}, "
              f"{sum(costs.values()) / max(n, 1):,.0f} yuan per kept school on average")


def apply_layout(scenario: Scenario, policy: Policy | None = None) -> Layout:
    """Apply the layout operations in order (see the module docstring).

    Guarantees: the returned schools are open, in a stable order, with unique ids; every
    `choose` candidate is among them; `renamed` maps each school closed or merged by the
    layout to the open school its pupils of today follow (None: closed). Raises
    ScenarioError naming "layout[i] (op)" and the field of every impossible operation.
    """
    pol = policy or resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    st = LayoutState(scenario, pol)
    dup = [sid for sid, n in Counter(s.id for s in scenario.schools).items() if n > 1]
    if dup and scenario.layout:  # ids must be unique before operations can name them
        raise ScenarioError([Finding(severity="error", code="duplicate_id", record=f"school "
                                     f"'{d}'", field="id", message="id used by more than one "
                                     "school; layout operations cannot name it") for d in dup])
    for i, op in enumerate(scenario.layout):
        label = f"layout[{i}] ({op.op})"
        if isinstance(op, CloseOp):
            _close(st, i, label, op.school, "school")
        elif isinstance(op, MergeOp):
            _merge(st, i, label, op)
        elif isinstance(op, OpenOp):
            _open(st, i, label, op)
        elif isinstance(op, ExpandOp):
            _expand(st, i, label, op)
        elif isinstance(op, ConvertOp):
            _convert(st, i, label, op)
        elif isinstance(op, AddBedsOp):
            _add_beds(st, i, label, op)
        elif isinstance(op, ChooseOp):
            _choose(st, i, label, op)
    if st.errors:
        raise ScenarioError(st.errors)
    schools = ([st.open[sid] for sid in st.order] if scenario.layout else
               [s for s in scenario.schools if s.status == "open"])
    default = pol.funding.fixed_cost_per_school_yuan
    fixed = {s.id: float(s.annual_fixed_cost if s.annual_fixed_cost is not None else default)
             for s in schools}
    for spec in st.choose:
        fixed.update(spec.fixed_cost)
    return Layout(schools=schools, teachers=st.teachers, renamed=st.renamed, choose=st.choose,
                  fixed_cost=fixed, operations=st.operations, warnings=st.warnings)
