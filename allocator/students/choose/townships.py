"""Rule township_boarding_schools as a constraint on `choose`: each township keeps the
boarding schools it needs, so the candidates with beds a township cannot spare stay open.

`township_groups` says which candidates and how many (within the operations' ranges);
`fill_towns` opens them in an open set, `towns_met` checks one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from allocator.metrics.planning import township_requirements
from allocator.students.instance import Instance

if TYPE_CHECKING:
    from .model import ChooseModel


def township_groups(inst: Instance, is_cand: np.ndarray, members: list[np.ndarray],
                    hi: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """Rule township_boarding_schools as a constraint on `choose`: per township whose open
    non-candidate boarding schools fall short of its requirement, its boarding candidates
    and how many of them must stay open - as many as the operations' `hi` leave room for
    (townships in name order), so some open set always meets every one of them."""
    need = township_requirements(inst.scenario, inst.policy)
    boarding = inst.beds >= inst.policy.township_boarding.min_beds
    towns = np.array([s.township or "" for s in inst.schools], dtype=object)
    op_of = {int(j): k for k, m in enumerate(members) for j in m}
    room = [int(h) for h in hi]
    out = []
    for town, n in need.items():
        here = (towns == town) & boarding
        short = n - int((here & ~is_cand).sum())
        cands = np.flatnonzero(here & is_cand)
        take = 0
        for j in cands:
            if take < short and room[op_of[int(j)]] > 0:
                room[op_of[int(j)]] -= 1
                take += 1
        if take:
            out.append((cands, take))
    return out


def towns_met(cm: ChooseModel, out: np.ndarray) -> bool:
    """Whether open set `out` keeps every township's boarding candidates it must."""
    return all(int(out[m].sum()) >= need for m, need in cm.towns)


def fill_towns(cm: ChooseModel, out: np.ndarray, value: np.ndarray | None = None) -> None:
    """Open boarding candidates (the cheapest, or the most valuable by `value`) of every
    township short of its requirement in `out`, as far as each operation's `hi` allows."""
    op_of = {int(j): k for k, m in enumerate(cm.members) for j in m}
    for members, need in cm.towns:
        closed = members[~out[members]]
        key = -value[closed] if value is not None else cm.fc[closed]
        for j in closed[np.lexsort((closed, key))]:
            if int(out[members].sum()) >= need:
                break
            k = op_of[int(j)]
            if int(out[cm.members[k]].sum()) < cm.hi[k]:
                out[j] = True
