"""verify recomputes investments, their total and each violation's relief: every tampering
with them is caught under the rule it breaks."""

from __future__ import annotations

import pytest

from allocator.model.investment import Investment, Relief
from allocator.verification import verify_result
from tests.conftest import block, scenario, school, solve_students

SCHOOLS = [school("A", 0, rooms=2, beds=5), school("B", 30_000, rooms=4)]
BLOCKS = [block("b", 100, grades={1: 50, 2: 45, 3: 45}),
          block("far", 10_000, grades={5: 20})]


@pytest.fixture(scope="module")
def plain():
    sc = scenario(SCHOOLS, BLOCKS)
    return sc, solve_students(sc)


@pytest.fixture(scope="module")
def invested():
    sc = scenario(SCHOOLS, BLOCKS, options={"invest": True})
    return sc, solve_students(sc)


def problems(sc, r, change) -> set[str]:
    t = r.model_copy(deep=True)
    change(t)
    return {p.rule for p in verify_result(sc, t).problems}


def test_honest_results_pass(plain, invested):
    for sc, r in (plain, invested):
        report = verify_result(sc, r)
        assert report.ok, [str(p) for p in report.problems]
    assert plain[1].violations and all(v.relief for v in plain[1].violations)
    assert invested[1].investments and not invested[1].violations


def test_a_relief_is_recomputed(plain):
    sc, r = plain
    wrong = Relief(classrooms=9, beds=0, cost_yuan=2_700_000.0, annual_cost_yuan=135_000.0)
    assert "relief" in problems(sc, r, lambda t: setattr(t.violations[0], "relief", wrong))
    assert "relief" in problems(sc, r, lambda t: setattr(t.violations[0], "relief", None))


def first(t, what):
    return next(i for i in t.investments if i.what == what)


@pytest.mark.parametrize("change, rule", [
    (lambda t: t.investments.pop(), "investment"),  # total and objective disagree
    (lambda t: setattr(first(t, "classrooms"), "count", first(t, "classrooms").count + 1),
     "investment"),
    (lambda t: setattr(first(t, "beds"), "count", first(t, "beds").count - 1),
     "investment"),
    (lambda t: setattr(first(t, "beds"), "cost_yuan", 1.0), "investment"),
    (lambda t: setattr(first(t, "classrooms"), "school", "ghost"), "investment"),
    (lambda t: setattr(t, "invest", False), "investment"),
    (lambda t: setattr(t.objective_terms, "investment", 0.0), "investment"),
])
def test_tampered_investments_are_caught(invested, change, rule):
    sc, r = invested
    assert rule in problems(sc, r, change)


def test_dropping_an_investment_brings_its_violation_back(invested):
    sc, r = invested

    def drop_beds(t):
        t.investments = [i for i in t.investments if i.what != "beds"]

    assert "boarding_beds" in problems(sc, r, drop_beds)


def test_investments_in_a_plain_result_are_refused(plain):
    sc, r = plain
    extra = Investment(school="A", what="beds", count=1, cost_yuan=12000.0,
                       annual_cost_yuan=600.0)
    assert "investment" in problems(sc, r, lambda t: t.investments.append(extra))


def test_the_annual_cost_of_investments_in_the_funding_kpis_is_recomputed(invested):
    sc, r = invested
    assert r.kpis.funding.investment_yuan == r.investments_total.annual_cost_yuan > 0
    assert "kpis" in problems(sc, r, lambda t: setattr(t.kpis.funding, "investment_yuan", 0.0))
    assert "kpis" in problems(sc, r, lambda t: setattr(t.kpis.funding, "capital_yuan", 1.0))
