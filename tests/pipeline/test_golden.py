"""Golden results: small scenarios solved to proven optimality with one worker and a fixed
seed before the package was reorganised (`tests/golden/build.py`). A change that keeps the
behaviour reproduces them exactly — keys, their order and every value — apart from what
depends on the clock (`timings` and `solver.*_s`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from build import STAGES, comparable, solve_case  # noqa: E402

NAMES = sorted(p.stem for p in (GOLDEN / "results").glob("*.json"))


def first_difference(a, b, path: str = "$") -> str | None:
    """Where two JSON values differ (key order included), or None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b and type(a) is type(b) else f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("name", NAMES)
def test_golden_result_is_reproduced(name):
    scenario = json.loads((GOLDEN / "scenarios" / f"{name}.json").read_text("utf-8"))
    expected = json.loads((GOLDEN / "results" / f"{name}.json").read_text("utf-8"))
    t = time.perf_counter()
    got = comparable(solve_case(scenario, STAGES.get(name)))
    assert time.perf_counter() - t < 120
    diff = first_difference(got, expected)
    assert diff is None, diff


def run_cli(*args: str, cwd: Path) -> None:
    import subprocess

    p = subprocess.run([sys.executable, "-m", "allocator", *args, "-q"], cwd=cwd,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def timeless(text: str) -> str:
    """A CSV or Markdown file without its solve-time rows."""
    return "\n".join(line for line in text.splitlines()
                     if "solve.seconds" not in line and "solve time" not in line)


def test_golden_files_of_solve_and_compare_are_reproduced(tmp_path):
    """The CSVs `allocator solve` writes and the tables of `allocator compare`."""
    runs = ("county-8-60-roster", "county-12-100-layout", "county-12-100-choose")
    for name in runs:
        run_cli("solve", str(GOLDEN / "scenarios" / f"{name}.json"), "-o", f"files/{name}",
                cwd=tmp_path)
    run_cli("compare", f"files/{runs[1]}", f"files/{runs[2]}", "-o", "files/compare",
            cwd=tmp_path)
    files = sorted(p for p in (GOLDEN / "files").rglob("*") if p.is_file())
    assert len(files) == 15
    for f in files:
        rel = f.relative_to(GOLDEN / "files")
        got = (tmp_path / "files" / rel).read_text("utf-8")
        assert timeless(got) == timeless(f.read_text("utf-8")), rel
