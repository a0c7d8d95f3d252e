"""Reading scenarios with readable errors: `load_scenario(path)` and `parse_scenario(raw)`
return a `Scenario` or raise `ScenarioError` whose findings name the file, the record id
and the field of every problem; `scenario_json_schema` is what `allocator schema` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .bounds import coordinate_findings
from .findings import Finding, ScenarioError
from .policy import PolicyError, overrides_for_year, resolve_policy
from .scenario import Scenario

_RECORD_LISTS = ("schools", "blocks", "teachers", "layout", "locked", "births", "developments")


def _record_name(raw: Any, loc: tuple[Any, ...]) -> tuple[str | None, str]:
    """Map a pydantic error location to (record label, field path)."""
    node = raw
    record = None
    field_parts: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int) and i > 0 and loc[i - 1] in _RECORD_LISTS:
            item = node[part] if isinstance(node, list) and part < len(node) else None
            label = loc[i - 1]
            rid = item.get("id") if isinstance(item, dict) else None
            if label == "layout":
                op = item.get("op") if isinstance(item, dict) else None
                record = f"layout[{part}]" + (f" ({op})" if op else "")
            else:
                record = f"{label[:-1]} '{rid}'" if rid is not None else f"{label}[{part}]"
            field_parts = []
        elif isinstance(part, int) and field_parts and field_parts[-1] in ("students",):
            field_parts[-1] = f"students (grade {part + 1})"
        else:
            field_parts.append(str(part))
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return record, ".".join(field_parts)


def parse_scenario(raw: Any, source: str | None = None) -> Scenario:
    """Validate a decoded JSON document into a Scenario (and resolve its policy).

    Raises ScenarioError with one finding per problem, each naming record and field.
    """
    if not isinstance(raw, dict):
        raise ScenarioError(
            [Finding(severity="error", code="schema",
                     message="the scenario must be a JSON object")],
            source,
        )
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        findings = []
        for e in exc.errors():
            loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
            record, field = _record_name(raw, loc)
            msg = e["msg"]
            if e["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling; `allocator schema` lists the fields)"
            elif e["type"] == "missing":
                msg = "required field is missing"
            findings.append(Finding(severity="error", code="schema", message=msg, record=record,
                                    field=field or None, path=".".join(str(p) for p in loc)))
        raise ScenarioError(findings, source) from None
    bad_places = coordinate_findings(scenario)
    if bad_places:
        raise ScenarioError(bad_places, source)
    try:
        resolve_policy(scenario.policy.profile, scenario.policy.overrides)
    except PolicyError as exc:
        raise ScenarioError(
            [Finding(severity="error", code="policy", message=str(exc), field="policy")], source
        ) from None
    dated = dated_policy_findings(scenario)
    if dated:
        raise ScenarioError(dated, source)
    return scenario


def dated_policy_findings(scenario: Scenario) -> list[Finding]:
    """One finding per school year of `policy.by_year` whose overrides (with those of the
    earlier years) do not resolve to a valid policy."""
    spec, findings = scenario.policy, []
    for key in sorted(spec.by_year, key=int):
        try:
            resolve_policy(spec.profile, overrides_for_year(spec.overrides, spec.by_year,
                                                            int(key)))
        except PolicyError as exc:
            findings.append(Finding(severity="error", code="policy", record="policy.by_year",
                                    field=key, message=str(exc)))
    return findings


_UNION_TAGS = {"close", "merge", "open", "expand", "convert", "add_beds", "choose"}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario JSON file; errors name the file, record and field.
    Relative road-layer and distance-matrix paths are made absolute from the file's folder."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(
            [Finding(severity="error", code="file", message="file not found")], str(p)
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [Finding(severity="error", code="file", message=f"cannot read: {exc}")], str(p)
        ) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [Finding(severity="error", code="json",
                     message=f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")],
            str(p),
        ) from None
    scenario = parse_scenario(raw, str(p))
    resolve_paths(scenario, p.parent)
    return scenario


def resolve_paths(scenario: Scenario, base: str | Path) -> None:
    """Make `options.distance.roads` / `matrix` absolute, relative to `base` (in place)."""
    d = scenario.options.distance
    for attr in ("roads", "matrix"):
        value = getattr(d, attr)
        if value and not Path(value).is_absolute():
            setattr(d, attr, str((Path(base) / value).resolve()))


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (what `allocator schema` prints)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "School-district allocation scenario"
    return schema

