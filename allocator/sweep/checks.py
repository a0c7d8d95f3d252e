"""The checks of a sweep spec before any solve: its dotted paths, grid values, KPI keys and
horizon keys (`check_spec`), each plan, closure candidate, phasing and layout year applied
alone to a base (`check_alone`), and one variant's values and layout (`check_variant`).
Every finding names the spec key, path or variant.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from allocator.layout import apply_layout
from allocator.model.findings import Finding, ScenarioError
from allocator.model.policy import PolicyError, resolve_policy
from allocator.model.scenario import Options, PolicySpec, Scenario

from .layouts import OPS, Layouts
from .paths import apply_settings, check_kpi_key, check_path, kpi_keys
from .phasings import (
    HORIZON_KEYS,
    Years,
    apply_years,
    check_horizon_spec,
    layout_index,
    model_settings,
    phasing_years,
    plan_problems,
    setting_years,
)
from .variants import Base, SweepSpec

MAX_VARIANTS = 100_000  # a typo in a grid should not start a million solves


def problem(where: str, message: str) -> Finding:
    """An error finding of the sweep spec at `where` (a spec key, path or variant)."""
    return Finding(severity="error", code="sweep", record=where, message=message)


def finding_text(f: Finding) -> str:
    """A finding as text without its severity ("layout[1] (close), field 'school': ...")."""
    return str(f).removeprefix(f"{f.severity}: ")


def _value_problems(exc: Exception, where: str, prefix: str) -> list[Finding]:
    if isinstance(exc, ValidationError):
        return [problem(where, f"{prefix}{'.'.join(str(x) for x in e['loc'])}: {e['msg']} "
                        f"(value {e.get('input')!r})") for e in exc.errors()]
    return [problem(where, str(exc))]


def variant_replace(spec: SweepSpec, data: dict[str, Any], point: dict[str, Any],
                    ops: list[dict[str, Any]], years: Years) -> tuple[dict[str, Any],
                                                                      list[Finding]]:
    """The top-level values a variant replaces in the base's JSON (policy, options,
    layout: the base's operations, then `ops`, with `years` and the layout years of `set`
    and `point` set), and a finding for each year naming an operation that is not there."""
    settings = {**spec.set, **point}
    replace = apply_settings(data, model_settings(settings))
    where = {**{k: "set" for k in spec.set}, **{k: "grid" for k in point}}
    layout, problems = apply_years(list(data.get("layout") or []) + ops,
                                   {**years, **setting_years(settings, where)})
    replace["layout"] = layout
    return replace, problems


def check_variant(model: Scenario, replace: dict[str, Any], where: str,
                  span: tuple[int, int] | None = None) -> tuple[list[Finding],
                                                                ScenarioError | None]:
    """Problems with the variant's values (options, policy, layout operations; each part
    checked) and the error of applying its layout to the base `model` (of planning it over
    `span`, every year's layout in year order, for a horizon plan), without solving."""
    problems: list[Finding] = []
    options = pspec = policy = ops = None
    try:
        options = Options.model_validate(replace["options"])
    except ValidationError as exc:
        problems += _value_problems(exc, where, "options.")
    try:
        pspec = PolicySpec.model_validate(replace["policy"])
        policy = resolve_policy(pspec.profile, pspec.overrides)
    except ValidationError as exc:
        problems += _value_problems(exc, where, "policy.")
    except PolicyError as exc:
        problems += _value_problems(exc, where, "")
    try:
        ops = OPS.validate_python(replace["layout"])
    except ValidationError as exc:
        problems += _value_problems(exc, where, "layout.")
    if problems:
        return problems, None
    sc = model.model_copy(update={"options": options, "policy": pspec, "layout": ops})
    if span is not None:
        return [], plan_problems(sc, span)
    try:
        apply_layout(sc, policy)
    except ScenarioError as exc:
        return [], exc
    return [], None


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per distinct message (the first variant named, with how many more
    variants share it)."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.message, []).append(f)
    out = []
    for msg, fs in groups.items():
        more = f" (and {len(fs) - 1} more variants)" if len(fs) > 1 else ""
        out.append(fs[0].model_copy(update={"message": msg + more}))
    return out


def check_spec(spec: SweepSpec, bases: list[Base], layouts: Layouts) -> list[Finding]:
    """Paths, grid values, horizon keys and KPI keys of the spec; the product's size."""
    findings: list[Finding] = check_horizon_spec(spec)
    for where, mapping in (("set", spec.set), ("grid", spec.grid)):
        for path in mapping:
            why = None if layout_index(path) is not None else check_path(path)
            if why:
                findings.append(problem(f"{where} '{path}'", why))
    both = sorted(set(spec.set) & set(spec.grid))
    if both:
        findings.append(problem("grid", f"{', '.join(both)} also in set: give it in one"))
    for path, values in spec.grid.items():
        if not values:
            findings.append(problem(f"grid '{path}'", "no values: the product is empty"))
    first = bases[0].model()
    known = kpi_keys(resolve_policy(first.policy.profile, first.policy.overrides))
    known |= HORIZON_KEYS if spec.horizon is not None else set()
    for where, keys in (("rank", spec.rank), ("pareto", spec.pareto)):
        for k in keys:
            why = check_kpi_key(k, known)
            if why:
                findings.append(problem(f"{where} '{k}'", why))
    n = len(bases) * len(layouts.plans) * len(layouts.subsets) * max(1, len(spec.phasings))
    for values in spec.grid.values():
        n *= len(values)
    if not findings and n == 0:
        findings.append(problem("spec", "the product of bases, layouts and grid values is "
                                "empty: nothing to solve"))
    if n > MAX_VARIANTS:
        findings.append(problem("spec", f"{n:,} variants is more than {MAX_VARIANTS:,}: "
                                "narrow the grid or the closure subsets"))
    return findings


def _alone_tries(spec: SweepSpec, layouts: Layouts) -> list[tuple[str, list[dict], Years]]:
    """(spec key, operations after the base's, years) of everything checked alone: the
    layout years of `set`, each plan, each closure candidate, each phasing with each plan,
    each grid layout year."""
    tries: list[tuple[str, list[dict], Years]] = [
        (f"layouts.plans.{n}", ops, {}) for n, ops in layouts.plans if n]
    tries += [(f"layouts.closures '{s}'", [{"op": "close", "school": s}], {})
              for s in layouts.candidates]
    for name, years in spec.phasings.items():
        tries += [(f"phasings.{name}" + (f" with layouts.plans.{n}" if n else ""), ops,
                   phasing_years(name, years)) for n, ops in layouts.plans]
    first_ops = layouts.plans[0][1] if layouts.plans else []
    fixed = [p for p in spec.set if layout_index(p) is not None]
    if fixed:  # the layout years of `set`, on the first layout alternative
        tries.insert(0, ("set " + ", ".join(f"'{p}'" for p in fixed), first_ops, {}))
    for path, values in spec.grid.items():
        i = layout_index(path)
        if i is not None:
            tries += [(f"grid '{path}' {v}", first_ops, {i: (f"grid '{path}'", v)})
                      for v in values]
    return tries


def check_alone(spec: SweepSpec, base: Base, model: Scenario, data: dict[str, Any],
                layouts: Layouts, batch: bool,
                span: tuple[int, int] | None = None) -> list[Finding]:
    """Each plan, closure candidate, phasing and grid layout year applied alone to the
    base (planned over `span` for a horizon sweep): an error there is the planner's input
    (exit 2), not a combination to skip. Findings name the spec key."""
    findings: list[Finding] = []
    head = f"{base.label}: " if batch else ""
    for what, ops, years in _alone_tries(spec, layouts):
        replace, missing = variant_replace(spec, data, {}, ops, years)
        if missing:
            findings += [f.model_copy(update={"message": head + f.message}) for f in missing]
            continue
        problems, err = check_variant(model, replace, what, span)
        findings += problems
        if err is not None:
            findings += [problem(what, head + finding_text(f)) for f in err.findings]
    return findings
