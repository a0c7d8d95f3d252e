"""Small hand-made counties for the projection tests (base year 2025)."""

from __future__ import annotations

from typing import Any

from tests.conftest import block, school


def county(blocks: list[dict], **kw: Any) -> dict:
    """A scenario document: one school, the blocks given, base year 2025."""
    data = {"name": "projection", "crs": "EPSG:32649", "year": 2025,
            "schools": [school("A", 0, kind="nine_year", rooms=40)], "blocks": blocks}
    data.update(kw)
    return data


def town_block(bid: str, x: float = 0.0, town: str = "T1", urban: bool = True,
               grades: dict[int, int] | None = None, **kw: Any) -> dict:
    """A block of a township (urban by default: the policy keeps urban cohorts whole)."""
    return block(bid, x, grades=grades, township=town, urban=urban, **kw)
