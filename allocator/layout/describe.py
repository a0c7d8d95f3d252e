"""The `layout` section of result.json: what each operation did and the `choose` outcome."""

from __future__ import annotations

from allocator.model.sections import ChooseDecision, LayoutSection, OperationEffect

from .plan import Layout


def describe_layout(layout: Layout, kept: dict[int, list[str]] | None = None
                    ) -> LayoutSection | None:
    """The `layout` section of result.json (None without operations): each operation's
    effect, the schools closed, merged and opened, and for each `choose` its rule, fixed
    costs and (given `kept`, per operation index) the candidates kept and closed."""
    if not layout.operations:
        return None
    closed = sorted(k for k, v in layout.renamed.items() if v is None)
    merged = {k: v for k, v in sorted(layout.renamed.items()) if v is not None}
    opened = [o["schools"][0] for o in layout.operations if o["op"] == "open"]
    choose = []
    for spec in layout.choose:
        decision = ChooseDecision(index=spec.index, rule=spec.rule_text(),
                                  candidates=list(spec.candidates), keep=spec.keep,
                                  close_at_most=spec.close_at_most,
                                  fixed_cost_yuan=dict(spec.fixed_cost))
        if kept is not None and spec.index in kept:
            k = set(kept[spec.index])
            decision.kept = [c for c in spec.candidates if c in k]
            decision.closed = [c for c in spec.candidates if c not in k]
        choose.append(decision)
    return LayoutSection(operations=[OperationEffect(**o) for o in layout.operations],
                         closed=closed, merged=merged, opened=opened, choose=choose)
