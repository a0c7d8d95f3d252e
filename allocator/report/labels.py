"""Labels of the comparison's KPIs, in English or Chinese: the section each dotted key
belongs to and a readable label for it (texts in `allocator/i18n/catalogs/compare.json`).

Guaranteed: every KPI key a result gives has a label in both languages; a key this module
does not know still gets a readable label (its dotted parts, spaced) rather than an error.
"""

from __future__ import annotations

from allocator.i18n import catalog, translate

SECTIONS = (  # (top-level KPI key, section id: catalog key kpi.section.<id>)
    ("solve", "solve"), ("pupils", "pupils"), ("travel", "travel"),
    ("beyond_day_radius", "beyond_day_radius"), ("boarding", "boarding"),
    ("classes", "classes"), ("schools_over_size_cap", "schools"), ("open_schools", "schools"),
    ("utilisation", "schools"), ("small_schools", "schools"), ("empty_schools", "schools"),
    ("moved_pupils", "pupils"), ("layout", "layout"), ("rotation", "rotation"),
    ("balance", "balance"), ("funding", "funding"), ("indicators", "indicators"),
    ("investments", "investments"), ("young_beyond_day_radius", "young_beyond"),
    ("left_behind", "left_behind"), ("township_boarding", "township_boarding"))


def level_name(level: str | None, lang: str = "en") -> str:
    """`primary` / `junior` in `lang` (other names as given; no level is empty)."""
    if not isinstance(level, str):
        return ""
    key = f"compare.level.{level}"
    return translate(key, lang) if key in catalog() else level


def _known(key: str, lang: str, **fields: object) -> str | None:
    """The catalog text of `key` when the catalog has it, else None."""
    return translate(key, lang, **fields) if key in catalog() else None


def _pattern_label(parts: list[str], lang: str) -> str | None:
    """The label of a KPI key of a known family (per level, per indicator ...), or None."""
    top = parts[0]
    lv = level_name(parts[1], lang) if len(parts) > 1 else ""
    if top == "travel" and len(parts) == 3:
        return _known(f"compare.kpiform.travel.{parts[2]}", lang, level=lv)
    if top == "classes" and len(parts) >= 3:
        if parts[2] == "bands" and len(parts) >= 4:
            return translate("compare.kpiform.classes.band", lang, level=lv,
                             band=".".join(parts[3:]))
        return _known(f"compare.kpiform.classes.{parts[2]}", lang, level=lv)
    if top == "township_boarding" and len(parts) == 3 and parts[1] == "by_township":
        return translate("compare.kpiform.township_boarding.by_township", lang,
                         township=parts[2])
    if top == "beyond_day_radius" and len(parts) == 2:
        return translate("compare.kpiform.beyond_day_radius", lang, level=lv)
    if top == "layout" and len(parts) == 3 and parts[1].startswith("choose["):
        what = _known(f"compare.kpiform.layout.{parts[2]}", lang) or parts[2]
        return translate("compare.kpiform.layout.choose", lang, index=parts[1][7:-1], what=what)
    if top == "balance" and len(parts) == 4 and parts[2] == "cv":
        ind = _known(f"compare.indicator.{parts[3]}", lang) or parts[3].replace("_", " ")
        return translate("compare.kpiform.balance.cv", lang, level=lv, indicator=ind)
    if top == "balance" and len(parts) == 3:
        return _known(f"compare.kpiform.balance.{parts[2]}", lang, level=lv)
    return None


def label_of(key: str, lang: str = "en") -> str:
    """A readable label for a dotted KPI key in `lang` (`en` / `zh` / `zh-CN`)."""
    exact = _known(f"compare.kpi.{key}", lang)
    if exact is not None:
        return exact
    found = _pattern_label(key.split("."), lang)
    return found if found is not None else " ".join(
        p.replace("_", " ") for p in key.split("."))


def section_id(key: str) -> str:
    """The id of the section a dotted KPI key belongs to (`other` when none)."""
    top = key.split(".")[0]
    return next((sid for k, sid in SECTIONS if k == top), "other")


def section_of(key: str, lang: str = "en") -> str:
    """The title of the section a dotted KPI key belongs to, in `lang`."""
    return translate(f"compare.kpi.section.{section_id(key)}", lang)


def status_text(status: str, lang: str = "en") -> str:
    """A school's status of `compare.school_status` (open, new, merged into X, closed,
    closed (choose), not open) in `lang`."""
    if status.startswith("merged into "):
        return translate("compare.status.merged", lang, school=status[len("merged into "):])
    key = f"compare.status.{status.replace(' (choose)', '_choose').replace(' ', '_')}"
    return _known(key, lang) or status


def column_name(column: str, lang: str = "en") -> str:
    """The header of a comparison table column in `lang` (the column name when unknown)."""
    return _known(f"compare.col.{column}", lang) or column
