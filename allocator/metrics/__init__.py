"""Figures of a plan computed from result rows alone, so `verify` recomputes them: the KPIs
(`kpis`) and the balance report of the national evaluation (`balance`)."""
