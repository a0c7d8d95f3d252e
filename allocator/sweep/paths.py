"""Dotted paths of a sweep spec: which scenario settings a sweep may change (checked
against the `Options` and `Policy` models, with the close matches of a typo), how a value is
set at a path, and the KPI keys a ranking may use.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from typing import Any

from pydantic import BaseModel

from allocator.metrics.kpis import compute_kpis
from allocator.model.policy import Policy, expand_dotted
from allocator.model.scenario import Options
from allocator.report.compare import flatten

SOLVE_KEYS = ("solve.objective", "solve.lower_bound", "solve.gap", "solve.seconds")
DERIVED_KEYS = ("travel.mean_km", "travel.pupil_km", "violations")
DYNAMIC_PREFIXES = ("balance.", "rotation.", "layout.")


def _unwrap(ann: Any) -> Any:
    """The model / dict / list / leaf type behind Optional and Annotated wrappers."""
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if len(args) == 1 or models:
                ann = models[0] if models else args[0]
            else:
                return ann
        else:
            return ann


def _walk(model: type[BaseModel], parts: list[str], prefix: str) -> str | None:
    """None when `parts` name a field (or a key below a dict field) of `model`, else why."""
    for i, part in enumerate(parts):
        names = {f.alias or n: n for n, f in model.model_fields.items()} | {
            n: n for n in model.model_fields}
        where = ".".join([prefix, *parts[:i]])
        if part not in names:
            close = difflib.get_close_matches(part, sorted(names), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return (f"'{part}' is not a setting of {where} (known: "
                    f"{', '.join(sorted(model.model_fields))}){hint}")
        ann = _unwrap(model.model_fields[names[part]].annotation)
        rest = parts[i + 1:]
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
            continue
        if typing.get_origin(ann) is dict or ann is dict:
            return None  # free keys below a mapping (e.g. rotation.retirement_age.male)
        if rest:
            return f"'{where}.{part}' is a single value; it has no '{rest[0]}'"
        return None
    return None


def check_path(path: str) -> str | None:
    """None when `path` names a scenario setting a sweep may change, else a message saying
    why not. Sweepable: `options.<field>...` (Options model), `policy.profile` and
    `policy.overrides.<policy setting>...` (Policy model)."""
    parts = path.split(".")
    if any(not p for p in parts):
        return "empty part in the dotted path"
    if parts[0] == "options":
        if len(parts) == 1:
            return "name a setting below options (e.g. options.weights.stability)"
        return _walk(Options, parts[1:], "options")
    if parts[0] == "policy":
        if parts[1:] == ["profile"]:
            return None
        if len(parts) >= 3 and parts[1] == "overrides":
            if parts[2] == "profile":
                return "the profile is policy.profile, not an override"
            return _walk(Policy, parts[2:], "policy.overrides")
        return "policy paths are policy.profile or policy.overrides.<setting> (e.g. " \
               "policy.overrides.class_size_cap.primary)"
    return ("a sweep changes options.* and policy.* settings (e.g. "
            "policy.overrides.day_radius_km.primary.rural, options.weights.stability); layouts "
            "go under `layouts`, other scenarios under `scenarios`")


def short_path(path: str) -> str:
    """A path without its `policy.overrides.` / `options.` prefix, for labels."""
    for prefix in ("policy.overrides.", "options.", "policy."):
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def _set(node: dict[str, Any], parts: list[str], value: Any) -> None:
    for p in parts[:-1]:
        child = node.get(p)
        node[p] = child = dict(child) if isinstance(child, dict) else {}
        node = child
    node[parts[-1]] = value


def apply_settings(raw: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """New `policy` and `options` values of a scenario dict with `settings` (checked dotted
    paths) applied; the input is not changed. Policy overrides come back nested (dotted keys
    expanded), so a swept value always wins over the base's."""
    policy = dict(raw.get("policy") or {})
    policy["overrides"] = expand_dotted(dict(policy.get("overrides") or {}))
    options = json.loads(json.dumps(raw.get("options") or {}))
    for path, value in settings.items():
        parts = path.split(".")
        if parts[0] == "options":
            _set(options, parts[1:], value)
        elif parts[1] == "profile":
            policy["profile"] = value
        else:
            _set(policy["overrides"], parts[2:], value)
    if not policy["overrides"]:
        del policy["overrides"]
    return {"policy": policy, "options": options}


# -- KPI keys ----------------------------------------------------------------------------------
def kpi_keys(policy: Policy) -> set[str]:
    """The KPI keys every result has (as `allocator compare` names them), plus the sweep's
    derived ones (travel.mean_km over all pupils, violations)."""
    kpis = compute_kpis([], [], policy).model_dump(mode="json", exclude={"balance"})
    return set(flatten(kpis)) | set(SOLVE_KEYS) | set(DERIVED_KEYS)


def check_kpi_key(key: str, known: set[str]) -> str | None:
    """None when `key` (optionally '-'-prefixed) is a KPI a result has, else why not."""
    k = key[1:] if key.startswith("-") else key
    if k in known or k.startswith(DYNAMIC_PREFIXES):
        return None
    close = difflib.get_close_matches(k, sorted(known), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"'{k}' is not a KPI of a result (see kpis.csv of `allocator compare`){hint}"
