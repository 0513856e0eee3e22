"""Applies services.access.POLICY to every root field and guarded object field, before it resolves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import SchemaExtension

from domain.access import Role
from projections.disclosure import is_small
from services.access import GUARDED_FIELDS, REDACTED_FIELDS, SMALL_COUNTS, Owner, authorise, may

_ROOTS = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}


class PolicyGate(SchemaExtension):
    """No resolver runs unless the policy table lets the caller's role use its field.

    A subscription's root field is checked as each of its events resolves, the first included.
    """

    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        parent = info.parent_type.name
        field = info.field_name
        if parent in _ROOTS:
            if not field.startswith("__"):
                authorise(info.context.principal, f"{_ROOTS[parent]}.{field}")
        elif (key := f"{parent}.{field}") in GUARDED_FIELDS:
            owners = getattr(root, "policy_owners", None) or [
                Owner(member_state=getattr(root, "member_state", None))
            ]
            if key in REDACTED_FIELDS:
                if not may(info.context.principal, key, *owners):
                    return None
            else:
                authorise(info.context.principal, key, *owners)
        elif key in SMALL_COUNTS and info.context.principal.role is Role.VIEWER:
            if any(is_small(getattr(root, name)) for name in SMALL_COUNTS[key]):
                return None
            value = _next(root, info, *args, **kwargs)
            return None if isinstance(value, int) and is_small(value) else value
        return _next(root, info, *args, **kwargs)
