"""Who may rotate, and where to: eligibility, school strength and the direction rule.

Rule `rotation_eligibility`: a teacher may rotate when (1) no exemption the policy lists
applies (`exempt` is one of `rotation.exempt_reasons`: pregnancy, illness, already rotated
this term, ...), (2) they are not near retirement (age >= retirement age for their sex minus
`exempt_years_before_retirement`; unknown age or sex never exempts), and (3) they have
taught at the school for at least `min_years_at_school` years. An `exempt` reason the policy
does not list exempts no one and is reported as a warning.

Rule `rotation_direction`: urban -> rural, strong -> weak (by `school_strength`), either,
within the same school group (学区 / 集团), or any; always to another school.
"""

from __future__ import annotations

import numpy as np

from allocator.model.findings import Finding
from allocator.model.policy import Rotation
from allocator.model.scenario import School, Teacher

DIRECTIONS = ("urban_to_rural_or_strong_to_weak", "urban_to_rural", "strong_to_weak",
              "within_group", "any")


def exemption(teacher: Teacher, rule: Rotation) -> str | None:
    """Why `teacher` may not rotate: a listed `exempt` reason, "near_retirement" or
    "years_at_school"; None when the teacher is eligible."""
    if teacher.exempt is not None and teacher.exempt in rule.exempt_reasons:
        return teacher.exempt
    if teacher.age is not None and teacher.sex is not None:
        retire = rule.retirement_age.get(teacher.sex)
        if retire is not None and teacher.age >= retire - rule.exempt_years_before_retirement:
            return "near_retirement"
    if teacher.years_at_school < rule.min_years_at_school:
        return "years_at_school"
    return None


def unlisted_exemptions(teachers: list[Teacher], rule: Rotation) -> list[Finding]:
    """A warning per `exempt` reason the policy does not list (those teachers stay
    eligible), naming the first teachers that give it."""
    by_reason: dict[str, list[str]] = {}
    for t in teachers:
        if t.exempt is not None and t.exempt not in rule.exempt_reasons:
            by_reason.setdefault(t.exempt, []).append(t.id)
    return [Finding(
        severity="warning", code="unlisted_exemption", record=f"teacher '{ids[0]}'",
        field="exempt",
        message=f"exempt reason '{reason}' ({len(ids)} teachers: {', '.join(ids[:5])}"
                f"{' ...' if len(ids) > 5 else ''}) is not in policy rotation.exempt_reasons "
                f"({', '.join(rule.exempt_reasons)}); these teachers count as eligible")
        for reason, ids in sorted(by_reason.items())]


def school_strength(schools: list[School], teachers: list[Teacher]
                    ) -> tuple[np.ndarray, str, list[Finding]]:
    """Strength per school (higher = stronger) and where it came from: every school's
    `strength` when all give one ("scenario"), else the roster measure for all ("roster"):
    100 x (backbone + senior-title teachers) / teachers, 0 for a school without teachers."""
    given = [s.strength for s in schools]
    if all(v is not None for v in given):
        return np.array(given, dtype=float), "scenario", []
    idx = {s.id: i for i, s in enumerate(schools)}
    top = np.zeros(len(schools))
    count = np.zeros(len(schools))
    for t in teachers:
        i = idx.get(t.school)
        if i is not None:
            count[i] += 1
            top[i] += float(t.backbone) + float(t.title == "senior")
    strength = np.where(count > 0, 100.0 * top / np.maximum(count, 1), 0.0)
    findings = []
    n_given = sum(v is not None for v in given)
    if n_given:
        missing = [s.id for s in schools if s.strength is None]
        findings.append(Finding(
            severity="warning", code="strength_incomplete", field="strength",
            record=f"school '{missing[0]}'",
            message=f"strength is given for {n_given} of {len(schools)} open schools; the "
                    "rotation direction uses the roster measure (backbone + senior teachers "
                    "per 100 teachers) for all of them"))
    return strength, "roster", findings


def direction_mask(direction: str, origin: int, urban: np.ndarray, strength: np.ndarray,
                   group: list[str | None]) -> np.ndarray:
    """Destinations (bool per school) the direction rule allows from school `origin`;
    never the origin itself."""
    n = len(urban)
    town_to_country = np.full(n, bool(urban[origin])) & ~urban
    weaker = strength < strength[origin]
    if direction == "urban_to_rural":
        ok = town_to_country
    elif direction == "strong_to_weak":
        ok = weaker
    elif direction == "urban_to_rural_or_strong_to_weak":
        ok = town_to_country | weaker
    elif direction == "within_group":
        g = group[origin]
        ok = np.array([g is not None and x == g for x in group], dtype=bool)
    else:
        ok = np.ones(n, dtype=bool)
    ok = ok.copy()
    ok[origin] = False
    return ok
