"""Independent re-check of a result against its scenario: every rule, row, KPI and figure is
recomputed from the scenario and the policy with no solver code (`verify_result`)."""

from .students import Problem, VerifyReport, verify_result

__all__ = ["Problem", "VerifyReport", "verify_result"]
