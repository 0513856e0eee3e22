"""What an operation costs once its fragments are expanded, measured without expanding them.

Ten fragments that each spread the next twice expand to 2^10 copies of the last: a limit that
walks the expansion (strawberry's depth and alias limiters do) takes exponential time on a
document of a few hundred characters. Here each fragment is measured once, in an order where
the fragments it spreads are measured first, and a spread adds its fragment's measure; so the
work is linear in the document's text whatever the expansion, and the expansion is bounded too.

What the limits leave, graphql-core's overlapping-fields rule bounds by counting its own work:
it compares every two fields of one response name, and every two fragments spread side by side,
at each level of the expansion; 200 copies of ``me { role }`` took 100,000 of its steps. No count
of the shapes measured here bounds that through nesting (20 fields each repeating one field 20
times compare 400 fields pairwise), so the rule is given a budget of steps instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation.rules.overlapping_fields_can_be_merged import OverlappingFieldsCanBeMergedRule
from graphql.validation.validate import ValidationAbortedError


@dataclass(frozen=True, slots=True)
class Cost:
    """``selections``: fields once every spread is expanded; ``depth``: fields nested in fields
    (introspection fields left out, as strawberry's depth limiter leaves them); ``aliases``."""

    selections: int = 0
    depth: int = 0
    aliases: int = 0


NOTHING = Cost()


def operation_costs(definitions: Any) -> dict[OperationDefinitionNode, Cost]:
    """Each operation's cost. A spread of an unknown fragment, or one that closes a cycle, adds
    nothing: graphql-core's KnownFragmentNames and NoFragmentCycles rules refuse those."""
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    measured: dict[str, Cost] = {}
    for name in _dependencies_first(fragments):
        measured[name] = _measure(fragments[name].selection_set, measured)
    return {
        d: _measure(d.selection_set, measured) for d in definitions if isinstance(d, OperationDefinitionNode)
    }


def _measure(selection_set: SelectionSetNode, fragments: dict[str, Cost]) -> Cost:
    """Recursive over the fields written in the text only, which the parser nests < 200 deep."""
    selections = depth = aliases = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = _measure(selection.selection_set, fragments) if selection.selection_set else NOTHING
            selections += 1 + inner.selections
            aliases += inner.aliases + (1 if selection.alias else 0)
            if selection.selection_set and not selection.name.value.startswith("__"):
                depth = max(depth, 1 + inner.depth)
            continue
        if isinstance(selection, InlineFragmentNode):
            inner = _measure(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            inner = fragments.get(selection.name.value, NOTHING)
        else:  # pragma: no cover (the three kinds of selection)
            continue
        selections += inner.selections
        aliases += inner.aliases
        depth = max(depth, inner.depth)
    return Cost(selections, depth, aliases)


def _dependencies_first(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """The fragments, each after those it spreads (a depth-first post-order, without recursion:
    a chain of fragments is as long as the document allows). A cycle is cut where it closes."""
    spreads = {name: _spread_names(fragment.selection_set) for name, fragment in fragments.items()}
    order: list[str] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(spreads[root]))]
        while stack:
            name, children = stack[-1]
            child = next((c for c in children if c in fragments and c not in seen), None)
            if child is None:
                stack.pop()
                order.append(name)
            else:
                seen.add(child)
                stack.append((child, iter(spreads[child])))
    return order


def _spread_names(selection_set: SelectionSetNode) -> list[str]:
    names: list[str] = []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                pending.append(selection.selection_set)
    return names


def cost_rule(*, max_depth: int, max_aliases: int, max_selections: int) -> type[ASTValidationRule]:
    """One rule for the three limits, with the messages of strawberry's depth and alias limiters."""

    class OperationCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            costs = operation_costs(context.document.definitions)
            for operation, cost in costs.items():
                name = operation.name.value if operation.name else "anonymous"
                if cost.depth > max_depth:
                    message = f"'{name}' exceeds maximum operation depth of {max_depth}"
                    context.report_error(GraphQLError(message, operation))
                if cost.selections > max_selections:
                    message = (
                        f"'{name}' selects {cost.selections} fields once its fragments are expanded; "
                        f"at most {max_selections} are allowed"
                    )
                    context.report_error(GraphQLError(message, operation))
            aliases = sum(cost.aliases for cost in costs.values())
            if aliases > max_aliases:
                context.report_error(GraphQLError(f"{aliases} aliases found. Allowed: {max_aliases}"))

    return OperationCostRule


def merge_rule(*, max_steps: int) -> type[ASTValidationRule]:
    """graphql-core's overlapping-fields rule with ``max_steps`` of its complexity budget instead
    of 500,000 (seconds of work), refused with a message that says why. Written against
    graphql-core 3.3.2: its ``rule_context`` holds the budget and ``ValidationAbortedError`` ends
    the validation once it is spent."""

    class MergeCostRule(OverlappingFieldsCanBeMergedRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.rule_context.remaining_complexity_budget = max_steps

        def enter_selection_set(self, selection_set: SelectionSetNode, *args: Any) -> None:
            try:
                super().enter_selection_set(selection_set, *args)
            except ValidationAbortedError:
                if self.rule_context.remaining_complexity_budget >= 0:
                    raise  # graphql-core's limit on the number of errors
                message = (
                    f"Checking that fields of one name can be merged would take more than {max_steps} "
                    "steps: repeat a field, or spread fragments side by side, fewer times"
                )
                raise ValidationAbortedError(message, selection_set) from None

    return MergeCostRule
