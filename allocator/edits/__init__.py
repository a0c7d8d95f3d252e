"""Hand edits of a finished plan: move a block's level to another school or lock it, see the
KPIs, violations and school rows recomputed at once (no solve), list a block's options, and
build the scenario of a re-solve that keeps the edits as locked assignments."""

from .apply import apply_edits, edited_schools
from .base import EditBase, prepare_edits
from .models import BlockOptions, Change, Edit, EditedPlan, SchoolOption
from .options import block_options, scenario_with_locks

__all__ = ["BlockOptions", "Change", "Edit", "EditBase", "EditedPlan", "SchoolOption",
           "apply_edits", "block_options", "edited_schools", "prepare_edits",
           "scenario_with_locks"]
