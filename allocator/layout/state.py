"""The mutable state while layout operations are applied in order: open schools, what each
school of today became, the roster, errors and warnings (each naming "layout[i] (op)")."""

from __future__ import annotations

from typing import Any

from allocator.model.findings import Finding
from allocator.model.policy import Policy
from allocator.model.scenario import Scenario, School

from .plan import ChooseSpec


class LayoutState:
    """Mutable state while applying operations in order."""

    def __init__(self, scenario: Scenario, policy: Policy):
        self.sc, self.policy = scenario, policy
        self.open: dict[str, School] = {s.id: s for s in scenario.schools if s.status == "open"}
        self.order: list[str] = list(self.open)
        self.base = {s.id: s for s in scenario.schools}
        self.gone: dict[str, str] = {}  # id -> label of the operation that removed it
        self.renamed: dict[str, str | None] = {}
        self.teachers = list(scenario.teachers)
        self.choose: list[ChooseSpec] = []
        self.chosen_by: dict[str, str] = {}  # candidate id -> label of its choose op
        self.errors: list[Finding] = []
        self.warnings: list[Finding] = []
        self.operations: list[dict[str, Any]] = []

    # -- helpers -------------------------------------------------------------------------
    def error(self, label: str, fld: str, message: str) -> None:
        self.errors.append(Finding(severity="error", code="layout", record=label, field=fld,
                                   message=message))

    def warn(self, label: str, fld: str | None, message: str) -> None:
        self.warnings.append(Finding(severity="warning", code="layout", record=label,
                                     field=fld, message=message))

    def why_not_open(self, sid: str) -> str:
        if sid in self.gone:
            return f"school '{sid}' is closed (by {self.gone[sid]})"
        if sid in self.base:
            return f"school '{sid}' is not open (status {self.base[sid].status} in the scenario)"
        return f"unknown school '{sid}' (not in schools[] nor opened by an earlier operation)"

    def need_open(self, label: str, fld: str, sid: str) -> bool:
        """Error unless `sid` is open now."""
        if sid in self.open:
            return True
        self.error(label, fld, self.why_not_open(sid))
        return False

    def not_chosen(self, label: str, fld: str, sid: str) -> bool:
        """Error when `sid` is a candidate of an earlier `choose` (the solver decides it)."""
        if sid in self.chosen_by:
            self.error(label, fld, f"school '{sid}' is a candidate of {self.chosen_by[sid]}; "
                       "the solver decides whether it stays open, so it cannot be closed or "
                       "merged after that operation")
            return False
        return True

    def remove(self, sid: str, label: str, target: str | None) -> None:
        """Take `sid` out of the open schools; today's pupils follow to `target`."""
        del self.open[sid]
        self.order.remove(sid)
        self.gone[sid] = label
        for k, v in list(self.renamed.items()):
            if v == sid:
                self.renamed[k] = target
        self.renamed[sid] = target

    def pupils_today(self, sid: str) -> tuple[int, int]:
        """(pupils, blocks) attending `sid` today, or a school merged into it earlier."""
        year = self.sc.options.year
        ids = {sid} | {k for k, v in self.renamed.items() if v == sid}
        pupils = blocks = 0
        for b in self.sc.blocks:
            counts = b.pupils(year)
            n = sum(counts[g] for g, s in enumerate(b.current_by_grade()) if s in ids)
            if n:
                pupils += n
                blocks += 1
        return pupils, blocks

    def teachers_at(self, sid: str) -> int:
        return sum(1 for t in self.teachers if t.school == sid)

    def record(self, index: int, op: str, schools: list[str], effect: str) -> None:
        self.operations.append({"index": index, "op": op, "schools": schools, "effect": effect})
