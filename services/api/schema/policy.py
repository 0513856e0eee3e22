"""Applies services.identity.policy.POLICY to every root field and guarded object field, before it resolves.

The check is wrapped around those fields' resolvers when the schema is built, rather than run as a
schema extension's ``resolve`` hook: such a hook runs on every field of every object in a result
(1,300 calls for a page of 100 requests), where only the roots and a few guarded fields need it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, default_field_resolver

from projections.disclosure import disclose_count
from services.identity.access import Owner, Principal, authorise, may
from services.identity.policy import GUARDED_FIELDS, REDACTED_FIELDS, SMALL_COUNTS, Scope

Resolver = Callable[..., Any]


def guard(schema: GraphQLSchema) -> None:
    """No resolver of a root field or a guarded field runs unless the policy lets the caller use it."""
    roots = (
        (schema.query_type, "query"),
        (schema.mutation_type, "mutation"),
        (schema.subscription_type, "subscription"),
    )
    for root, prefix in roots:
        if root is None:
            continue
        for name, field in root.fields.items():
            gate = root_gate(prefix, name)
            field.resolve = _role_gate(gate, _resolver_of(field))
            if field.subscribe is not None:  # checked before the subscription starts, and per event
                field.subscribe = _role_gate(gate, field.subscribe)
    for key in GUARDED_FIELDS:
        type_name, field_name = key.split(".")
        object_type = schema.type_map.get(type_name)
        if not isinstance(object_type, GraphQLObjectType) or field_name not in object_type.fields:
            msg = f"the access policy guards {key}, which is no field of an object type"
            raise LookupError(msg)
        field = object_type.fields[field_name]
        field.resolve = _owner_gate(key, _resolver_of(field), redacted=key in REDACTED_FIELDS)
    for key, derived_from in SMALL_COUNTS.items():
        type_name, field_name = key.split(".")
        object_type = schema.type_map.get(type_name)
        if not isinstance(object_type, GraphQLObjectType) or field_name not in object_type.fields:
            msg = f"the disclosure policy withholds {key}, which is no field of an object type"
            raise LookupError(msg)
        field = object_type.fields[field_name]
        field.resolve = _count_gate(_resolver_of(field), derived_from)


def _resolver_of(field: GraphQLField) -> Resolver:
    return field.resolve or default_field_resolver


def root_gate(kind: str, name: str) -> Callable[[Principal], Scope]:
    """The gate of a root field (``kind`` query, mutation or subscription): the guard puts it before
    the field's resolver, and a row plan that answers the field without its resolver
    (services.api.schema's ``*_rows`` modules, ``CoveragePlan``) calls it itself."""
    operation = f"{kind}.{name}"

    def gate(principal: Principal) -> Scope:
        return authorise(principal, operation)

    return gate


def _role_gate(gate: Callable[[Principal], Scope], resolve: Resolver) -> Resolver:
    def gated(root: Any, info: Any, **kwargs: Any) -> Any:
        gate(info.context.principal)
        return resolve(root, info, **kwargs)

    return gated


def owners_of(root: Any) -> list[Owner]:
    """Whom an object's guarded fields belong to: its ``policy_owners``, else its member state."""
    return getattr(root, "policy_owners", None) or [Owner(member_state=getattr(root, "member_state", None))]


def _owner_gate(key: str, resolve: Resolver, *, redacted: bool) -> Resolver:
    def gated(root: Any, info: Any, **kwargs: Any) -> Any:
        owners = owners_of(root)
        if redacted:
            if not may(info.context.principal, key, *owners):
                return None
        else:
            authorise(info.context.principal, key, *owners)
        return resolve(root, info, **kwargs)

    return gated


def _count_gate(resolve: Resolver, derived_from: tuple[str, ...]) -> Resolver:
    """For viewers, a count of 1 to 4 people (or one derived from such a count) resolves to null."""

    def gated(root: Any, info: Any, **kwargs: Any) -> Any:
        role = info.context.principal.role
        if any(disclose_count(role, getattr(root, name)) is None for name in derived_from):
            return None
        value = resolve(root, info, **kwargs)
        return disclose_count(role, value) if isinstance(value, int) else value

    return gated
