"""Labels of the comparison's KPIs: the section each dotted key belongs to and a readable
label for it."""

from __future__ import annotations

from allocator.i18n import translate

SECTIONS = (  # (top-level KPI key, section title)
    ("solve", "Solve"), ("pupils", "Pupils"), ("travel", "Travel (km)"),
    ("beyond_day_radius", "Pupils beyond the day radius (all board)"),
    ("boarding", "Boarding"), ("classes", "Classes per size band"),
    ("schools_over_size_cap", "Schools"), ("open_schools", "Schools"),
    ("utilisation", "Schools"), ("small_schools", "Schools"), ("empty_schools", "Schools"),
    ("moved_pupils", "Pupils"), ("layout", "Layout"), ("rotation", "Teacher rotation"),
    ("balance", "Balance (enrolment-weighted CV; schools meeting the standard)"),
    ("funding", "Annual cost (yuan)"), ("indicators", translate("indicator.section", "en")),
    ("investments", translate("investment.section", "en")))
LABELS = {
    "solve.status": "status", "solve.objective": "objective (pupil-km equiv.)",
    "solve.lower_bound": "lower bound", "solve.gap": "gap", "solve.seconds": "solve time (s)",
    "pupils": "pupils", "moved_pupils": "pupils moved from today's school",
    "schools_over_size_cap": "schools over the size cap", "open_schools": "open schools",
    "small_schools": "small schools (< funding floor)", "empty_schools": "empty schools",
    "utilisation.mean": "classroom utilisation, mean", "utilisation.max":
    "classroom utilisation, max", "utilisation.schools_over_rooms": "schools short of rooms",
    "boarding.boarders": "boarders", "boarding.beds": "beds", "boarding.beds_short":
    "boarders without a bed", "boarding.schools_short": "schools short of beds",
    **{f"indicators.{k}": translate(f"indicator.{k}", "en") for k in (
        "schools_without_large_classes_share", "schools_within_class_cap_share",
        "nearest_school_pupils", "nearest_school_share", "new_schools_over_size_cap")},
    **{f"investments.{k}": translate(f"investment.kpi.{k}", "en") for k in (
        "classrooms", "beds", "schools", "cost_yuan", "annual_cost_yuan")},
}


def label_of(key: str) -> str:
    """A readable label for a dotted KPI key."""
    if key in LABELS:
        return LABELS[key]
    parts = key.split(".")
    if parts[0] == "travel" and len(parts) == 3:
        return {"pupils": f"{parts[1]} pupils", "pupil_km": f"{parts[1]} pupil-km (all trips)"
                }.get(parts[2], f"{parts[1]} {parts[2].replace('_km', '')} km")
    if parts[0] == "classes" and len(parts) >= 3:
        tail = f"classes of {parts[3]}" if parts[2] == "bands" else "largest class"
        return f"{parts[1]} {tail}"
    if parts[0] == "beyond_day_radius":
        return f"{parts[1]} pupils beyond the day radius"
    if parts[0] == "funding":
        return parts[1].replace("_yuan", "").replace("_", " ")
    if parts[0] == "layout":
        return " ".join(parts[1:]).replace("_", " ").replace("[", " op ").replace("]", "")
    if parts[0] == "balance" and len(parts) == 4 and parts[2] == "cv":
        return f"{parts[1]} CV {parts[3].replace('_', ' ')}"
    if parts[0] == "balance":
        return {"cv_ok": f"{parts[1]} all CVs within the limit",
                "schools": f"{parts[1]} schools evaluated",
                "min_met": f"{parts[1]} indicators a school must meet (of 7)",
                "schools_meeting_min_met": f"{parts[1]} schools meeting enough indicators",
                "schools_meeting_standard": f"{parts[1]} schools meeting the whole standard",
                }.get(parts[2], f"{parts[1]} {parts[2].replace('_', ' ')}")
    return " ".join(p.replace("_", " ") for p in parts)


def section_of(key: str) -> str:
    top = key.split(".")[0]
    return next((title for k, title in SECTIONS if k == top), "Other KPIs")
