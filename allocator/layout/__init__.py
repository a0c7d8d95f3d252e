"""Layout operations: merges, closures, new schools, expansions, conversions, `choose`.

`apply_layout` turns a scenario's schools and `layout[]` into the effective `Layout` (pure
data, no solver code, shared by the solver and `verify`); `roster_scenario` is the scenario
the teacher rotation sees after it; `describe_layout` the `layout` section of result.json.
"""

from .describe import describe_layout
from .operations import apply_layout
from .plan import ChooseSpec, Layout
from .roster import roster_scenario

__all__ = ["ChooseSpec", "Layout", "apply_layout", "describe_layout", "roster_scenario"]
