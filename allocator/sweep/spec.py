"""Sweep specs: which variants of which scenarios a sweep solves (`allocator sweep`).

A spec (YAML or JSON) names a base scenario (`base: file.json`) or a batch of them
(`scenarios: folder/` or a list of files and globs, one scenario per county), settings applied
to every variant (`set`), a grid of settings swept as a cross product (`grid`, by dotted path
such as `policy.overrides.class_size_cap.primary` or `options.weights.stability`) and layout
alternatives (`layouts`: named plans, each a list of layout operations or the `layout` of a
scenario file, and every subset of `closures.candidates` of size `min_k`..`max_k`). Paths are
relative to the spec file. The variants are bases x layout alternatives x grid points.

Horizon sweeps: `horizon: {years: "2026-2031"}` makes every variant a multi-year plan of
those school years (`allocator plan`; without `years`, those of the base's
`students_by_year`; the pupils only, so `stage` is `students` or absent). The years of its
layout operations vary by named `phasings` (`{name: {"layout[3]": 2027, ...}}`, `{}` keeping
the scenario's years; one more factor of the product, between layouts and grid) and by the
dotted paths `layout[i].year` in `set` and `grid` (these win over a phasing's year for the
same operation); `layout[i]` is the i-th operation of the variant's layout (the base's,
then the plan's, then the closures). Each phasing with each plan and each grid year is
planned alone on the base (every year's layout applied in year order, as `allocator plan`
checks it): a year outside the horizon, an operation that is not there, an operation on a
school closed in an earlier year are findings naming the spec key; a variant whose
combination of years cannot be planned is one naming the variant. Horizon variants are
ranked by default on `horizon.targets_missed`, `horizon.pupil_km`,
`horizon.annual_cost_yuan` (their Pareto front: pupil-km, cost, pupils moved).

Everything is checked before any solve (`SpecError`, whose findings name the spec key, the
path or the variant): unknown keys, every dotted path against the `Options` / `Policy`
models, values against the models, plans, closures and phasings on each base alone, rank
and Pareto KPI keys, an empty product. A plan and a closure set that are each valid but cannot apply
together (a closure candidate the plan merged away) are skipped and listed, not an error.

Each variant has a stable id: a readable slug of its label plus the first 10 hex digits of a
SHA-256 over the canonical JSON of the variant scenario (each top-level key hashed apart so a
large county is serialised once), the stage and a horizon plan's years; the same spec gives
the same ids on every run and machine, so a rerun finds the variants already finished. The
spec's schema and the base, variant and sweep records are defined in
`allocator.sweep.variants`.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.model.findings import Finding, ScenarioError
from allocator.model.loading import load_scenario

from .checks import (
    MAX_VARIANTS,
    check_alone,
    check_spec,
    check_variant,
    dedupe,
    finding_text,
    problem,
    variant_replace,
)
from .layouts import Layouts, read_layouts
from .paths import short_path
from .phasings import phasing_years, plan_span
from .variants import HORIZON_PARETO, HORIZON_RANK, Base, Sweep, SweepSpec, Variant

__all__ = ["MAX_VARIANTS", "SpecError", "expand", "finding_text", "load_sweep", "read_spec"]


class SpecError(ValueError):
    """The spec cannot be used; `findings` name the spec key, path or variant of each
    problem (the CLI prints them and exits 2 before any work)."""

    def __init__(self, findings: list[Finding], source: str | None = None):
        self.findings = findings
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(str(f) for f in findings))


# -- the spec file -----------------------------------------------------------------------------
def read_spec(path: str | Path) -> SweepSpec:
    """Read a YAML (.yaml/.yml) or JSON spec; SpecError naming the file and key when it
    cannot be read or has unknown keys or values of the wrong type."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecError([problem("spec", f"cannot read: {exc.strerror or exc}")],
                        str(p)) from None
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            raw = yaml.safe_load(text)
        else:
            raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError([problem("spec", f"malformed JSON at line {exc.lineno} column "
                                  f"{exc.colno}: {exc.msg}")], str(p)) from None
    except Exception as exc:  # yaml.YAMLError and its marks
        hint = ("; inside { } quote a key with brackets ('layout[3]': 2027) or give the "
                "keys one per line" if "flow mapping" in str(exc) and "'['" in str(exc)
                else "")
        raise SpecError([problem("spec", f"malformed YAML: {exc}{hint}")], str(p)) from None
    if not isinstance(raw, dict):
        raise SpecError([problem("spec", "the spec must be a mapping (keys base or "
                                  "scenarios, set, grid, layouts, rank, pareto, top)")], str(p))
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        findings = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e["loc"]) or "spec"
            top = e["type"] == "extra_forbidden" and len(e["loc"]) == 1
            msg = ("unknown key (known: base, scenarios, name, stage, set, grid, layouts, "
                   "horizon, phasings, rank, pareto, top)" if top
                   else "unknown key" if e["type"] == "extra_forbidden" else e["msg"])
            findings.append(problem(where, msg))
        raise SpecError(findings, str(p)) from None
    if spec.horizon is not None:  # plans are ranked on their horizon totals by default
        spec.rank = spec.rank if "rank" in spec.model_fields_set else list(HORIZON_RANK)
        spec.pareto = (spec.pareto if "pareto" in spec.model_fields_set
                       else list(HORIZON_PARETO))
    return spec


# -- bases -------------------------------------------------------------------------------------
def _base_files(spec: SweepSpec, folder: Path) -> list[Path] | list[Finding]:
    if (spec.base is None) == (spec.scenarios is None):
        return [problem("base", "give exactly one of base (a scenario file) or scenarios (a "
                         "folder or list of scenario files)")]
    if spec.base is not None:
        return [folder / spec.base]
    entries = [spec.scenarios] if isinstance(spec.scenarios, str) else list(spec.scenarios)
    files: list[Path] = []
    problems = []
    for e in entries:
        p = folder / e
        found = (sorted(p.glob("*.json")) if p.is_dir() else
                 sorted(Path(x) for x in glob.glob(str(p))) if glob.has_magic(e) else
                 [p] if p.is_file() else [])
        if not found:
            problems.append(problem("scenarios", f"'{e}' matches no scenario file "
                                     f"(looked in {p})"))
        files += [f for f in found if f not in files]
    return problems or files


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_bases(spec: SweepSpec, folder: Path) -> list[Base]:
    """Read and validate every base scenario; SpecError naming the file and record of every
    problem. A single base is kept in memory; a batch is read again when expanded."""
    files = _base_files(spec, folder)
    if files and isinstance(files[0], Finding):
        raise SpecError(files)  # type: ignore[arg-type]
    findings: list[Finding] = []
    bases: list[Base] = []
    stems = [f.stem for f in files]  # type: ignore[union-attr]
    for f in files:
        try:
            sc = load_scenario(f)
        except ScenarioError as exc:
            findings += [problem(str(f), str(x)) for x in exc.findings]
            continue
        raw = json.loads(Path(f).read_text(encoding="utf-8-sig"))
        label = f.stem if stems.count(f.stem) == 1 else f"{f.parent.name}/{f.stem}"
        single = len(files) == 1
        bases.append(Base(path=Path(f), label=label,
                          digests={k: _digest(v) for k, v in raw.items()},
                          raw=raw if single else None, scenario=sc if single else None))
    if findings:
        raise SpecError(findings)
    return bases


# -- expansion ---------------------------------------------------------------------------------
def _fmt_value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def make_label(base: str | None, plan: str | None, closures: list[str],
               settings: dict[str, Any], phasing: str | None = None) -> str:
    """A readable variant label: base (batches), plan, closures, phasing, swept values."""
    parts = [p for p in (base, plan) if p]
    if closures:
        parts.append("close " + " ".join(closures))
    if phasing:
        parts.append(phasing)
    parts += [f"{short_path(k)}={_fmt_value(v)}" for k, v in settings.items()]
    return ", ".join(parts) or "base"


def make_id(label: str, digest: str) -> str:
    """Folder-safe id: the label's slug (at most 48 characters) and 10 hex digits."""
    slug = "".join(c if c.isascii() and (c.isalnum() or c in "._") else "-" for c in label)
    while "--" in slug:
        slug = slug.replace("--", "-")
    slug = slug.strip("-._")[:48].rstrip("-._") or "variant"
    return f"{slug}-{digest[:10]}"


def variant_digest(base: Base, replace: dict[str, Any], stage: str | None,
                   horizon: tuple[int, int] | None = None) -> str:
    """SHA-256 of the variant scenario's content (per top-level key), the stage and the
    plan's years (of a horizon plan)."""
    keys = dict(base.digests)
    keys.update({k: _digest(v) for k, v in replace.items()})
    what: dict[str, Any] = {"scenario": keys, "stage": stage}
    if horizon is not None:
        what["horizon"] = list(horizon)
    return _digest(what)


@dataclass
class _Expansion:
    """What expanding the spec collects: variants, skipped combinations, findings."""

    variants: list[Variant] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0


def _add_variant(ex: _Expansion, spec: SweepSpec, bi: int, base: Base, label: str,
                 replace: dict[str, Any], parts: dict[str, Any],
                 span: tuple[int, int] | None) -> None:
    """Check one variant and add it (or skip it: a plan and closures valid alone, not
    together; or record its problems: bad values, a phased layout that cannot be planned)."""
    problems, layout_error = check_variant(base.model(), replace, f"variant '{label}'", span)
    ex.findings += problems
    if layout_error is not None:
        reason = "; ".join(finding_text(f) for f in layout_error.findings)
        if span is not None and not parts["closures"]:  # its years, not a closure
            ex.findings.append(problem(f"variant '{label}'", reason))
        else:
            ex.skipped.append({"label": label, "reason": reason})
        return
    digest = variant_digest(base, replace, spec.stage, span)
    vid = make_id(label, digest)
    if vid in ex.seen:
        ex.duplicates += 1
        return
    ex.seen.add(vid)
    ex.variants.append(Variant(id=vid, label=label, base=bi, replace=replace,
                               stage=spec.stage, digest=digest, horizon=span, **parts))


def _expand_base(ex: _Expansion, spec: SweepSpec, bi: int, base: Base, layouts: Layouts,
                 batch: bool, span: tuple[int, int] | None) -> None:
    """The variants of one base: plan, closure subset, phasing, grid point."""
    data = base.data()
    grid_points = [dict(zip(spec.grid, combo, strict=True))
                   for combo in itertools.product(*spec.grid.values())]
    phasings = list(spec.phasings.items()) or [(None, {})]
    for plan, ops, closed in layouts.alternatives():
        for phasing, years in phasings:
            for point in grid_points:
                label = make_label(base.label if batch else None, plan, closed, point,
                                   phasing)
                replace, missing = variant_replace(
                    spec, data, point, ops, phasing_years(phasing, years) if phasing else {})
                if missing:
                    ex.findings += missing
                    continue
                name = data.get("name", base.label)
                replace["name"] = name if label == "base" else f"{name} [{label}]"
                parts = {"settings": point, "plan": plan, "closures": closed,
                         "phasing": phasing}
                _add_variant(ex, spec, bi, base, label, replace, parts, span)


def expand(spec: SweepSpec, source: Path, bases: list[Base]) -> Sweep:
    """Every variant of the spec, checked; SpecError naming the path, plan, phasing or
    variant of every problem, or when the product is empty. Variants come base-major, then
    plan, closure subset, phasing and grid point, in the spec's order."""
    layouts, findings = read_layouts(spec.layouts, source.parent)
    findings += check_spec(spec, bases, layouts)
    if findings:
        raise SpecError(dedupe(findings), str(source))
    ex = _Expansion()
    batch = len(bases) > 1
    for bi, base in enumerate(bases):
        model = base.model()
        span = plan_span(spec, model) if spec.horizon is not None else None
        if isinstance(span, list):
            ex.findings += span
            break
        ex.findings += check_alone(spec, base, model, base.data(), layouts, batch, span)
        if not ex.findings:
            _expand_base(ex, spec, bi, base, layouts, batch, span)
        if ex.findings:
            break  # the same bad value would be reported for every base
    if ex.findings:
        raise SpecError(dedupe(ex.findings)[:200], str(source))
    if not ex.variants:
        raise SpecError([problem("layouts", "every combination of plan and closures is "
                                 "impossible (" + ex.skipped[0]["reason"] + "): nothing to "
                                 "solve")], str(source))
    return Sweep(spec=spec, source=source, bases=bases, variants=ex.variants,
                 skipped=ex.skipped, duplicates=ex.duplicates)


def load_sweep(path: str | Path) -> Sweep:
    """Read a spec, its base scenarios and expand it into checked variants (SpecError for
    any bad input; nothing is solved or written)."""
    source = Path(path)
    spec = read_spec(source)
    try:
        bases = load_bases(spec, source.parent)
    except SpecError as exc:
        exc.source = exc.source or str(source)
        raise
    return expand(spec, source, bases)
