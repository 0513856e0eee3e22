"""Who may do what, for which member state or organisation: the policy table
(services.identity.policy), decided here for a principal and the owners of what it acts on.

An operation without an entry in the table is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.access import Actor, Role
from domain.codes import MemberState
from services.identity.policy import POLICY, PUBLIC, Scope


class Unauthenticated(Exception):
    """No credentials, or credentials that prove nothing."""


class Forbidden(Exception):
    """The principal is known but may not do this; nothing was stored."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person behind a token, or a service account behind an API key."""

    subject: str
    role: Role
    member_state: MemberState | None = None
    organisation_id: UUID | None = None
    via: str = "token"
    issuer: str | None = None  # the token's ``iss``; none for API keys and the CLI

    @property
    def identity(self) -> str:
        """The whole principal as one stable key: who issued it, its subject, role and scope.

        Idempotency receipts and rate-limit buckets are keyed on it, never on the subject alone:
        two identity providers, or one subject in two organisations, are different callers.
        """
        return "\n".join(
            (
                self.via,
                self.issuer or "",
                self.subject,
                self.role.value,
                self.member_state.value if self.member_state else "",
                str(self.organisation_id or ""),
            )
        )

    def __post_init__(self) -> None:
        if self.role is Role.COORDINATOR and self.member_state is None:
            raise Unauthenticated("a coordinator's credentials must name a member state")
        if self.role is Role.DONOR and self.organisation_id is None:
            raise Unauthenticated("a donor's credentials must name an organisation")

    def did(self, actor: Actor) -> bool:
        """Whether this principal is the one ``actor`` records (its subject in the same role
        and scope): a shared subject in another organisation or member state is someone else."""
        return (actor.principal, actor.role, actor.member_state, actor.organisation_id) == (
            self.subject,
            self.role.value,
            self.member_state.value if self.member_state else None,
            str(self.organisation_id) if self.organisation_id else None,
        )

    def actor(
        self, scope: Scope, *, correlation_id: str | None = None, idempotency_key: str | None = None
    ) -> Actor:
        return Actor(
            principal=self.subject,
            role=self.role.value,
            scope=scope.value,
            member_state=self.member_state.value if self.member_state else None,
            organisation_id=str(self.organisation_id) if self.organisation_id else None,
            correlation_id=correlation_id,
            idempotency_key=idempotency_key,
        )


def permissions(principal: Principal) -> dict[str, Scope]:
    """The entries of the table the principal's role may use, with the scope it acts over: what a
    page offers it. Each use is decided again, with its owners, by ``authorise``."""
    return {
        operation: rule[principal.role]
        for operation, rule in POLICY.items()
        if not isinstance(rule, str) and principal.role in rule
    }


def may(principal: Principal, operation: str, *owners: Owner) -> bool:
    try:
        authorise(principal, operation, *owners)
    except Forbidden:
        return False
    return True


@dataclass(frozen=True)
class Owner:
    """Whom an object belongs to: a member state, an organisation, or both; for what a principal
    makes for itself (an API key), also who made it."""

    member_state: MemberState | None = None
    organisation_id: UUID | None = None
    made_by: Actor | None = None


def authorise(principal: Principal, operation: str, *owners: Owner) -> Scope:
    """The scope the principal acts with, or Forbidden.

    Without owners only the role is checked (a list, or an object not yet loaded). With owners,
    a scoped role must own one of them: a match, say, belongs to the requesting state and to the
    offering party.
    """
    rule = POLICY.get(operation)
    if rule is None:
        raise Forbidden(f"{operation} has no access policy")
    if rule == PUBLIC:
        return Scope.ANY
    assert not isinstance(rule, str)
    name = operation.rsplit(".", maxsplit=1)[-1]
    scope = rule.get(principal.role)
    if scope is None:
        raise Forbidden(f"a {principal.role.value} may not use {name}")
    if not owners or scope is Scope.ANY:
        return scope
    if scope is Scope.OWN_STATE and any(
        o.member_state is not None and o.member_state == principal.member_state for o in owners
    ):
        return scope
    if scope is Scope.OWN_ORGANISATION and any(
        o.organisation_id is not None and o.organisation_id == principal.organisation_id for o in owners
    ):
        return scope
    if scope is Scope.OWN and any(o.made_by is not None and principal.did(o.made_by) for o in owners):
        return scope
    whose = {Scope.OWN_STATE: "state", Scope.OWN_ORGANISATION: "organisation"}.get(scope)
    if whose is None:
        raise Forbidden(f"{name}: a {principal.role.value} acts on what it made itself only")
    raise Forbidden(f"{name}: a {principal.role.value} acts for its own {whose} only ({_name(principal)})")


def _name(principal: Principal) -> str:
    if principal.member_state is not None:
        return principal.member_state.label
    return str(principal.organisation_id or "none")
