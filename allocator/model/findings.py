"""Findings: what is wrong (or doubtful) in a user's input, named by record and field.

A `Finding` is one problem: its severity (an error stops a solve, a warning travels with the
result), the rule or check that found it (`code`), the record ("block 'B7'",
"layout[3] (merge)"), the field and, for schema errors, the dotted location in the
document. `ScenarioError` carries the findings that make an input unusable; every boundary
(CLI, API, sweep) turns it into a message naming the file, record and field, never a
traceback.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Finding(BaseModel):
    """One problem in the input: severity, rule/code, the record and field, and a message."""

    severity: Literal["error", "warning"]
    code: str
    message: str
    record: str | None = None
    field: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = ", ".join(p for p in (self.record, self.field and f"field '{self.field}'") if p)
        if not where and self.path:
            where = self.path
        return f"{self.severity}: {where + ': ' if where else ''}{self.message}"


class ScenarioError(Exception):
    """The input cannot be used; `findings` say where and why."""

    def __init__(self, findings: list[Finding], source: str | None = None):
        self.findings = findings
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(str(f) for f in findings))
