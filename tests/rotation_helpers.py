"""Builders for small hand-made rotation cases (projected CRS, coordinates in metres)."""

from __future__ import annotations

from typing import Any

from allocator import solve as solve_all
from tests.conftest import block, doc, scenario, school

PRIMARY6 = {1: 19, 2: 19, 3: 19, 4: 19, 5: 19, 6: 19}  # 114 pupils: 6 teachers at 1:19


def pupils(total: int, level: str = "primary") -> dict[int, int]:
    """`total` pupils spread over the grades of a level."""
    grades = range(1, 7) if level == "primary" else range(7, 10)
    n = len(grades)
    return {g: total // n + (1 if i < total % n else 0) for i, g in enumerate(grades)}


def teacher(tid: str, at: str, subject: str = "math", level: str = "primary", years: float = 8,
            **kw: Any) -> dict:
    return {"id": tid, "school": at, "subject": subject, "level": level,
            "years_at_school": years, "title": kw.pop("title", "intermediate"), **kw}


def staff(prefix: str, at: str, n: int, **kw: Any) -> list[dict]:
    """`n` plain teachers T<prefix>01.. at a school."""
    return [teacher(f"{prefix}{i + 1:02d}", at, **kw) for i in range(n)]


def county(schools: list[dict], enrolment: dict[str, int | dict[int, int]],
           teachers: list[dict], policy: dict | None = None, level: str = "primary",
           **kw: Any):
    """A scenario whose school X has the pupils `enrolment[X]` today (one block beside it)."""
    blocks = []
    for s in schools:
        n = enrolment.get(s["id"], 0)
        grades = n if isinstance(n, dict) else pupils(n, level)
        blocks.append(block(f"b{s['id']}", s["location"][0] + 10, s["location"][1],
                            grades=grades, urban=s.get("urban", False),
                            current_school={"primary": s["id"], "junior": s["id"]}))
    extra = {"policy": {"profile": kw.pop("profile", "cn-national"),
                        "overrides": policy or {}}}
    return scenario(schools, blocks, teachers=teachers, **extra, **kw)


def rotate(sc, strict: bool = False, stage: str = "teachers", time_limit: float = 10):
    return solve_all(sc, stage=stage, strict=strict, time_limit=time_limit)


def moves(result) -> dict[str, str]:
    """teacher -> destination of every move."""
    return {m["teacher"]: m["to"] for m in doc(result)["teachers"]["moves"]}


def rules(result, prefix: str = "") -> dict[tuple[str, str], float]:
    """(rule, subject) -> amount of the rotation violations."""
    names = ("staffing_ratio", "senior_title", "rotation_quota", "rotation_backbone_share")
    return {(v.rule, v.subject): v.amount for v in result.violations
            if v.rule in names and v.subject.startswith(prefix)}


__all__ = ["PRIMARY6", "county", "moves", "pupils", "rotate", "rules", "school", "staff",
           "teacher"]
