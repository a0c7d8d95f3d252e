"""Enrolment projection (学位预测): pupils per grade for each block and year of a horizon,
from today's pupils, children by age, births, new housing and the policy's factors.
Pure arithmetic on model objects; no solver."""

from __future__ import annotations

from .checks import parse_years
from .project import Projection, project_scenario, projected_document, table_csv, write_projection

__all__ = ["Projection", "parse_years", "project_scenario", "projected_document", "table_csv",
           "write_projection"]
