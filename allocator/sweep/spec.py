"""Sweep specs: which variants of which scenarios a sweep solves (`allocator sweep`).

A spec (YAML or JSON) names a base scenario (`base: file.json`) or a batch of them
(`scenarios: folder/` or a list of files and globs, one scenario per county), settings applied
to every variant (`set`), a grid of settings swept as a cross product (`grid`, by dotted path
such as `policy.overrides.class_size_cap.primary` or `options.weights.stability`) and layout
alternatives (`layouts`: named plans, each a list of layout operations or the `layout` of a
scenario file, and every subset of `closures.candidates` of size `min_k`..`max_k`). Paths are
relative to the spec file. The variants are bases x layout alternatives x grid points.

Everything is checked before any solve (`SpecError`, whose findings name the spec key, the
path or the variant): unknown keys, every dotted path against the `Options` / `Policy`
models, values against the models, plans and closures on each base alone, rank and Pareto
KPI keys, an empty product. A plan and a closure set that are each valid but cannot apply
together (a closure candidate the plan merged away) are skipped and listed, not an error.

Each variant has a stable id: a readable slug of its label plus the first 10 hex digits of a
SHA-256 over the canonical JSON of the variant scenario (each top-level key hashed apart so a
large county is serialised once) and the stage; the same spec gives the same ids on every
run and machine, so a rerun finds the variants already finished. The spec's schema and the
base, variant and sweep records are defined in `allocator.sweep.variants`.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.layout import apply_layout
from allocator.model.findings import Finding, ScenarioError
from allocator.model.loading import load_scenario
from allocator.model.policy import PolicyError, resolve_policy
from allocator.model.scenario import Options, PolicySpec, Scenario

from .layouts import OPS, Layouts, read_layouts
from .paths import apply_settings, check_kpi_key, check_path, kpi_keys, short_path
from .variants import Base, Sweep, SweepSpec, Variant

MAX_VARIANTS = 100_000  # a typo in a grid should not start a million solves


class SpecError(ValueError):
    """The spec cannot be used; `findings` name the spec key, path or variant of each
    problem (the CLI prints them and exits 2 before any work)."""

    def __init__(self, findings: list[Finding], source: str | None = None):
        self.findings = findings
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(str(f) for f in findings))


def finding_text(f: Finding) -> str:
    """A finding as text without its severity ("layout[1] (close), field 'school': ...")."""
    return str(f).removeprefix(f"{f.severity}: ")


def _problem(where: str, message: str) -> Finding:
    return Finding(severity="error", code="sweep", record=where, message=message)


# -- the spec file -----------------------------------------------------------------------------
def read_spec(path: str | Path) -> SweepSpec:
    """Read a YAML (.yaml/.yml) or JSON spec; SpecError naming the file and key when it
    cannot be read or has unknown keys or values of the wrong type."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecError([_problem("spec", f"cannot read: {exc.strerror or exc}")],
                        str(p)) from None
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            raw = yaml.safe_load(text)
        else:
            raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError([_problem("spec", f"malformed JSON at line {exc.lineno} column "
                                  f"{exc.colno}: {exc.msg}")], str(p)) from None
    except Exception as exc:  # yaml.YAMLError and its marks
        raise SpecError([_problem("spec", f"malformed YAML: {exc}")], str(p)) from None
    if not isinstance(raw, dict):
        raise SpecError([_problem("spec", "the spec must be a mapping (keys base or "
                                  "scenarios, set, grid, layouts, rank, pareto, top)")], str(p))
    try:
        return SweepSpec.model_validate(raw)
    except ValidationError as exc:
        findings = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e["loc"]) or "spec"
            msg = ("unknown key (known: base, scenarios, name, stage, set, grid, layouts, "
                   "rank, pareto, top)" if e["type"] == "extra_forbidden" and len(e["loc"]) == 1
                   else "unknown key" if e["type"] == "extra_forbidden" else e["msg"])
            findings.append(_problem(where, msg))
        raise SpecError(findings, str(p)) from None


# -- bases -------------------------------------------------------------------------------------
def _base_files(spec: SweepSpec, folder: Path) -> list[Path] | list[Finding]:
    if (spec.base is None) == (spec.scenarios is None):
        return [_problem("base", "give exactly one of base (a scenario file) or scenarios (a "
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
            problems.append(_problem("scenarios", f"'{e}' matches no scenario file "
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
            findings += [_problem(str(f), str(x)) for x in exc.findings]
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
               settings: dict[str, Any]) -> str:
    """A readable variant label: base (batches), plan, closures, swept values."""
    parts = [p for p in (base, plan) if p]
    if closures:
        parts.append("close " + " ".join(closures))
    parts += [f"{short_path(k)}={_fmt_value(v)}" for k, v in settings.items()]
    return ", ".join(parts) or "base"


def make_id(label: str, digest: str) -> str:
    """Folder-safe id: the label's slug (at most 48 characters) and 10 hex digits."""
    slug = "".join(c if c.isascii() and (c.isalnum() or c in "._") else "-" for c in label)
    while "--" in slug:
        slug = slug.replace("--", "-")
    slug = slug.strip("-._")[:48].rstrip("-._") or "variant"
    return f"{slug}-{digest[:10]}"


def variant_digest(base: Base, replace: dict[str, Any], stage: str | None) -> str:
    """SHA-256 of the variant scenario's content (per top-level key) and the stage."""
    keys = dict(base.digests)
    keys.update({k: _digest(v) for k, v in replace.items()})
    return _digest({"scenario": keys, "stage": stage})


def _value_problems(exc: Exception, where: str, prefix: str) -> list[Finding]:
    if isinstance(exc, ValidationError):
        return [_problem(where, f"{prefix}{'.'.join(str(x) for x in e['loc'])}: {e['msg']} "
                         f"(value {e.get('input')!r})") for e in exc.errors()]
    return [_problem(where, str(exc))]


def _check_variant(model: Scenario, replace: dict[str, Any], where: str) -> tuple[
        list[Finding], ScenarioError | None]:
    """Problems with the variant's values (options, policy, layout operations; each part
    checked) and the error of applying its layout to the base `model`, without solving."""
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
    try:
        apply_layout(sc, policy)
    except ScenarioError as exc:
        return [], exc
    return [], None


def _dedupe(findings: list[Finding]) -> list[Finding]:
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


def _check_spec(spec: SweepSpec, bases: list[Base], layouts: Layouts) -> list[Finding]:
    """Paths, grid values and KPI keys of the spec."""
    findings: list[Finding] = []
    for where, mapping in (("set", spec.set), ("grid", spec.grid)):
        for path in mapping:
            why = check_path(path)
            if why:
                findings.append(_problem(f"{where} '{path}'", why))
    both = sorted(set(spec.set) & set(spec.grid))
    if both:
        findings.append(_problem("grid", f"{', '.join(both)} also in set: give it in one"))
    for path, values in spec.grid.items():
        if not values:
            findings.append(_problem(f"grid '{path}'", "no values: the product is empty"))
    first = bases[0].model()
    known = kpi_keys(resolve_policy(first.policy.profile, first.policy.overrides))
    for where, keys in (("rank", spec.rank), ("pareto", spec.pareto)):
        for k in keys:
            why = check_kpi_key(k, known)
            if why:
                findings.append(_problem(f"{where} '{k}'", why))
    n = len(bases) * len(layouts.plans) * len(layouts.subsets)
    for values in spec.grid.values():
        n *= len(values)
    if not findings and n == 0:
        findings.append(_problem("spec", "the product of bases, layouts and grid values is "
                                 "empty: nothing to solve"))
    if n > MAX_VARIANTS:
        findings.append(_problem("spec", f"{n:,} variants is more than {MAX_VARIANTS:,}: "
                                 "narrow the grid or the closure subsets"))
    return findings


def _check_alone(spec: SweepSpec, base: Base, model: Scenario, data: dict[str, Any],
                 layouts: Layouts, batch: bool) -> list[Finding]:
    """Each plan and each closure candidate applied alone to the base: an error there is
    the planner's input (exit 2), not a combination to skip."""
    findings: list[Finding] = []
    tries = [(f"layouts.plans.{n}", ops) for n, ops in layouts.plans if n]
    tries += [(f"layouts.closures '{s}'", [{"op": "close", "school": s}])
              for s in layouts.candidates]
    for what, ops in tries:
        replace = apply_settings(data, spec.set)
        replace["layout"] = list(data.get("layout") or []) + ops
        problems, err = _check_variant(model, replace, what)
        findings += problems
        if err is not None:
            head = f"{base.label}: " if batch else ""
            findings += [_problem(what, head + finding_text(f)) for f in err.findings]
    return findings


def expand(spec: SweepSpec, source: Path, bases: list[Base]) -> Sweep:
    """Every variant of the spec, checked; SpecError naming the path, plan or variant of
    every problem, or when the product is empty. Variants come base-major, then plan,
    closure subset and grid point, in the spec's order."""
    layouts, findings = read_layouts(spec.layouts, source.parent)
    spec_findings = _check_spec(spec, bases, layouts)
    if not spec_findings:  # paths fine: each plan and closure alone on the first base
        base = bases[0]
        findings += _check_alone(spec, base, base.model(), base.data(), layouts,
                                 len(bases) > 1)
    findings += spec_findings
    if findings:
        raise SpecError(_dedupe(findings), str(source))
    grid_points = [dict(zip(spec.grid, combo, strict=True))
                   for combo in itertools.product(*spec.grid.values())]
    variants: list[Variant] = []
    skipped: list[dict[str, str]] = []
    seen: set[str] = set()
    duplicates = 0
    batch = len(bases) > 1
    for bi, base in enumerate(bases):
        data, model = base.data(), base.model()
        if bi:
            findings += _check_alone(spec, base, model, data, layouts, batch)
            if findings:
                break
        for plan, ops, closed in layouts.alternatives():
            for point in grid_points:
                label = make_label(base.label if batch else None, plan, closed, point)
                replace = apply_settings(data, {**spec.set, **point})
                replace["layout"] = list(data.get("layout") or []) + ops
                name = data.get("name", base.label)
                replace["name"] = name if label == "base" else f"{name} [{label}]"
                problems, layout_error = _check_variant(model, replace, f"variant '{label}'")
                findings += problems
                if layout_error is not None:  # plan and closures valid alone, not together
                    skipped.append({"label": label, "reason": "; ".join(
                        finding_text(f) for f in layout_error.findings)})
                    continue
                digest = variant_digest(base, replace, spec.stage)
                vid = make_id(label, digest)
                if vid in seen:
                    duplicates += 1
                    continue
                seen.add(vid)
                variants.append(Variant(id=vid, label=label, base=bi, replace=replace,
                                        settings=point, plan=plan, closures=closed,
                                        stage=spec.stage, digest=digest))
        if findings:
            break  # the same bad value would be reported for every base
    if findings:
        raise SpecError(_dedupe(findings)[:200], str(source))
    if not variants:
        raise SpecError([_problem("layouts", "every combination of plan and closures is "
                                  "impossible (" + skipped[0]["reason"] + "): nothing to "
                                  "solve")], str(source))
    return Sweep(spec=spec, source=source, bases=bases, variants=variants, skipped=skipped,
                 duplicates=duplicates)


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
