"""Readers for published instances: OR-Library GAP, OR-Library pmedcap, Lorena & Senne SJC.

Each reader turns a file into `Published` instances carrying an `AssignmentProblem`; nothing
here knows an answer. A malformed file raises `InstanceError` naming the file, the line and
what was expected. Known optima come only from a folder's `values.csv`, matched by file name
and problem index, and are used only to compare.

GAP files (whitespace-separated integers; line breaks do not matter): an optional problem
count P, then per problem `m n`, costs (m x n), weights (m x n), capacities (m).
pmedcap files: `P`, then per problem `id reference` (the reference value is skipped), `n p Q`
and n lines `k x y demand`; distances are floor(Euclidean). A single problem without `P` is
accepted. Lorena files: `n p`, then n lines `x y capacity demand`; distances are Euclidean.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from allocator.engine import AssignmentProblem

KINDS = ("gap", "pmedcap", "lorena")


class InstanceError(ValueError):
    """A malformed instance file; the message names the file and the position."""


@dataclass
class Published:
    """One problem of a published file: its name, family, problem and known optimum."""

    name: str
    family: str  # gap1-12 | gapa-d | gape | pmedcap | sjc | other
    kind: str  # gap | pmedcap | lorena
    path: Path
    index: int  # 1-based problem index inside the file
    problem: AssignmentProblem
    optimum: float | None = None  # from values.csv, for comparison only
    proven: bool | None = None


class _Tokens:
    """Numbers of a file with the line each came from."""

    def __init__(self, path: Path):
        self.path = path
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InstanceError(f"{path}: cannot read: {exc}") from None
        self.lines = [ln.split() for ln in text.splitlines()]
        self.tok: list[str] = []
        self.line: list[int] = []
        for k, parts in enumerate(self.lines, 1):
            self.tok += parts
            self.line += [k] * len(parts)

    def where(self, pos: int) -> str:
        """`file:line (number k)` of the token at `pos`."""
        if pos < len(self.line):
            return f"{self.path}:{self.line[pos]} (number {pos + 1})"
        return f"{self.path}: end of file (after {len(self.tok)} numbers)"

    def ints(self, pos: int, count: int, what: str) -> list[int]:
        """`count` integers from `pos`, or InstanceError naming the position."""
        if pos + count > len(self.tok):
            raise InstanceError(f"{self.where(len(self.tok))}: truncated while reading {what}: "
                                f"expected {count} numbers from number {pos + 1}")
        out = []
        for q in range(pos, pos + count):
            try:
                out.append(int(self.tok[q]))
            except ValueError:
                raise InstanceError(f"{self.where(q)}: expected an integer in {what}, found "
                                    f"{self.tok[q]!r}") from None
        return out


def read_gap(path: Path) -> list[AssignmentProblem]:
    """Problems of an OR-Library GAP file (multi-problem or single-problem layout)."""
    t = _Tokens(path)
    if len(t.tok) < 2:
        raise InstanceError(f"{t.where(0)}: a GAP file needs at least `m n`")
    head = t.ints(0, 2, "the header")
    if head[0] > 0 and head[1] > 0 and len(t.tok) == 2 + 2 * head[0] * head[1] + head[0]:
        starts, count = [0], 1
    else:
        count = head[0]
        if count < 1:
            raise InstanceError(f"{t.where(0)}: problem count must be positive, got {count}")
        starts = [1]
    out = []
    pos = starts[0]
    for k in range(count):
        m, n = t.ints(pos, 2, f"problem {k + 1} size `m n`")
        if m < 1 or n < 1:
            raise InstanceError(f"{t.where(pos)}: problem {k + 1}: agents and jobs must be "
                                f"positive, got m={m} n={n}")
        pos += 2
        c = np.array(t.ints(pos, m * n, f"problem {k + 1} costs"), dtype=np.int64)
        pos += m * n
        r = np.array(t.ints(pos, m * n, f"problem {k + 1} weights"), dtype=np.int64)
        if (r < 0).any():
            q = pos + int(np.flatnonzero(r < 0)[0])
            raise InstanceError(f"{t.where(q)}: problem {k + 1}: negative weight")
        pos += m * n
        b = np.array(t.ints(pos, m, f"problem {k + 1} capacities"), dtype=np.int64)
        if (b < 0).any():
            q = pos + int(np.flatnonzero(b < 0)[0])
            raise InstanceError(f"{t.where(q)}: problem {k + 1}: negative capacity")
        pos += m
        out.append(AssignmentProblem(cost=c.reshape(m, n), weight=r.reshape(m, n),
                                     capacity=b, name=f"{path.stem}-{k + 1}"))
    if pos != len(t.tok):
        raise InstanceError(f"{t.where(pos)}: {len(t.tok) - pos} numbers left after "
                            f"{count} problem(s)")
    return out


def _numbers(t: _Tokens, k: int, count: int, what: str) -> list[float]:
    parts = t.lines[k] if k < len(t.lines) else []
    if len(parts) != count:
        raise InstanceError(f"{t.path}:{k + 1}: expected {count} numbers ({what}), found "
                            f"{len(parts)}")
    try:
        return [float(v) for v in parts]
    except ValueError:
        raise InstanceError(f"{t.path}:{k + 1}: expected numbers ({what}), found "
                            f"{' '.join(parts)!r}") from None


def _whole(t: _Tokens, k: int, v: float, what: str) -> int:
    if v != math.floor(v) or v < 0:
        raise InstanceError(f"{t.path}:{k + 1}: {what} must be a non-negative integer, got {v}")
    return int(v)


def _pmedian(xy: np.ndarray, demand: np.ndarray, cap: np.ndarray, p: int, floor: bool,
             name: str) -> AssignmentProblem:
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    cost = np.floor(d) if floor else d
    n = len(demand)
    return AssignmentProblem(cost=cost, weight=np.broadcast_to(demand, (n, n)).copy(),
                             capacity=cap, open_count=p, name=name)


def read_pmedcap(path: Path) -> list[AssignmentProblem]:
    """Problems of an OR-Library capacitated p-median file (floor distances)."""
    t = _Tokens(path)
    rows = [k for k, ln in enumerate(t.lines) if ln]
    if not rows:
        raise InstanceError(f"{path}: empty file")
    r = 0
    if len(t.lines[rows[0]]) == 1:
        count = _whole(t, rows[0], _numbers(t, rows[0], 1, "problem count")[0], "count")
        r = 1
    else:
        count = 1
    out = []
    for q in range(count):
        if r + 1 >= len(rows):
            raise InstanceError(f"{path}: end of file: problem {q + 1} of {count} is missing")
        _numbers(t, rows[r], 2, "`id reference`")  # the reference value is not used
        n_, p_, cap_ = _numbers(t, rows[r + 1], 3, "`n p Q`")
        n = _whole(t, rows[r + 1], n_, "n")
        p = _whole(t, rows[r + 1], p_, "p")
        if r + 2 + n > len(rows):
            raise InstanceError(f"{path}: end of file: problem {q + 1} needs {n} point lines")
        pts = np.array([_numbers(t, rows[r + 2 + i], 4, "`k x y demand`") for i in range(n)])
        for i in range(n):
            if pts[i, 0] != i + 1:
                raise InstanceError(f"{path}:{rows[r + 2 + i] + 1}: point number {pts[i, 0]:g}"
                                    f", expected {i + 1}")
            _whole(t, rows[r + 2 + i], pts[i, 3], "demand")
        cap = np.full(n, _whole(t, rows[r + 1], cap_, "Q"), dtype=np.int64)
        out.append(_checked_pmedian(path, rows[r + 1], pts[:, 1:3], pts[:, 3].astype(np.int64),
                                    cap, p, True, f"{path.stem}-{q + 1}"))
        r += 2 + n
    if r != len(rows):
        raise InstanceError(f"{path}:{rows[r] + 1}: unexpected line after {count} problem(s)")
    return out


def read_lorena(path: Path) -> list[AssignmentProblem]:
    """The problem of a Lorena & Senne file (`n p`, then `x y capacity demand`)."""
    t = _Tokens(path)
    rows = [k for k, ln in enumerate(t.lines) if ln]
    if not rows:
        raise InstanceError(f"{path}: empty file")
    n_, p_ = _numbers(t, rows[0], 2, "`n p`")
    n, p = _whole(t, rows[0], n_, "n"), _whole(t, rows[0], p_, "p")
    if len(rows) != n + 1:
        raise InstanceError(f"{path}: {len(rows) - 1} point lines, the header says {n}")
    pts = np.array([_numbers(t, rows[1 + i], 4, "`x y capacity demand`") for i in range(n)])
    for i in range(n):
        _whole(t, rows[1 + i], pts[i, 2], "capacity")
        _whole(t, rows[1 + i], pts[i, 3], "demand")
    return [_checked_pmedian(path, rows[0], pts[:, :2], pts[:, 3].astype(np.int64),
                             pts[:, 2].astype(np.int64), p, False, path.stem)]


def _checked_pmedian(path: Path, k: int, xy, demand, cap, p: int, floor: bool,
                     name: str) -> AssignmentProblem:
    if not 1 <= p <= len(demand):
        raise InstanceError(f"{path}:{k + 1}: p={p} must be between 1 and n={len(demand)}")
    return _pmedian(xy, demand, cap, p, floor, name)


def detect_kind(path: Path) -> str:
    """gap, pmedcap or lorena from the file's line structure."""
    t = _Tokens(path)
    shape = [len(ln) for ln in t.lines if ln][:4]
    if shape == [1, 2, 3, 4] or shape[:3] == [2, 3, 4]:
        return "pmedcap"
    if len(shape) >= 2 and shape[0] == 2 and all(s == 4 for s in shape[1:]):
        return "lorena"
    return "gap"


READERS = {"gap": read_gap, "pmedcap": read_pmedcap, "lorena": read_lorena}


def family_of(path: Path, kind: str) -> str:
    """gap1-12, gapa-d, gape, pmedcap, sjc or other, from the file name."""
    stem = path.stem
    if kind == "gap":
        if re.fullmatch(r"gap\d+", stem):
            return "gap1-12"
        if re.fullmatch(r"gap[a-d]", stem):
            return "gapa-d"
        if re.fullmatch(r"e\d+", stem):
            return "gape"
    if kind == "pmedcap":
        return "pmedcap"
    if kind == "lorena" and stem.upper().startswith("SJC"):
        return "sjc"
    return "other"


def known_values(folder: Path) -> dict[tuple[str, int], tuple[str, float, bool]]:
    """(file name, 1-based index) -> (instance name, optimum, proven) from values.csv."""
    f = folder / "values.csv"
    out: dict[tuple[str, int], tuple[str, float, bool]] = {}
    if not f.exists():
        return out
    with f.open(newline="") as fh:
        for row in csv.DictReader(fh):
            idx = int(row.get("index") or 1)
            out[(row["file"], idx)] = (row["instance"], float(row["optimum"]),
                                       row["is_proven_optimal"].strip().lower() == "true")
    return out


def load_file(path: Path, kind: str | None = None) -> list[Published]:
    """Every problem of `path` (kind detected when None), named and with its known optimum
    when the file's folder has a values.csv row for it."""
    path = Path(path)
    if not path.is_file():
        raise InstanceError(f"{path}: no such file")
    kind = kind or detect_kind(path)
    if kind not in READERS:
        raise InstanceError(f"{path}: unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    probs = READERS[kind](path)
    values = known_values(path.parent)
    family = family_of(path, kind)
    out = []
    for k, prob in enumerate(probs, 1):
        name, opt, proven = values.get((path.name, k), (None, None, None))
        if name is None:
            name = _default_name(path, kind, k, prob, len(probs))
        out.append(Published(name=name, family=family, kind=kind, path=path, index=k,
                             problem=prob, optimum=opt, proven=proven))
    return out


def _default_name(path: Path, kind: str, k: int, prob: AssignmentProblem, count: int) -> str:
    if kind == "gap" and re.fullmatch(r"gap[a-d]", path.stem):
        return f"{path.stem[-1]}{prob.m:02d}{prob.n}"
    return path.stem if count == 1 else f"{path.stem}-{k}"
