"""The contracts: the scenario a user gives, the policy it resolves to, the result the
solver returns (typed sections), findings about bad input, grades and levels, the budget of
a solve and its progress events, and the scenario's geometry."""
