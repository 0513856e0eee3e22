"""Reading the ``api_keys`` read model: one's own keys, or (for the secretariat) every key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.api_keys.tables import api_keys


@dataclass(frozen=True)
class ApiKeyRow:
    id: UUID
    name: str
    role: str
    member_state: str | None
    organisation_id: str | None
    key_hint: str
    issued_by: str
    issued_by_role: str
    issued_by_member_state: str | None
    issued_by_organisation_id: str | None
    issued_at: datetime
    revoked_at: datetime | None
    issued_position: int


@dataclass(frozen=True)
class Issuer:
    """Whose keys: a subject in its role and scope, as the audit trail records it."""

    subject: str
    role: str
    member_state: str | None
    organisation_id: str | None


_k = api_keys.c
_COLUMNS = [_k[name] for name in ApiKeyRow.__dataclass_fields__]


def _is(column: ColumnElement[Any], value: str | None) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _of(issuer: Issuer) -> ColumnElement[bool]:
    return and_(
        _k.issued_by == issuer.subject,
        _k.issued_by_role == issuer.role,
        _is(_k.issued_by_member_state, issuer.member_state),
        _is(_k.issued_by_organisation_id, issuer.organisation_id),
    )


async def list_api_keys(
    engine: AsyncEngine,
    *,
    issuer: Issuer | None,
    include_revoked: bool,
    first: int,
    after: int | None,
) -> tuple[list[ApiKeyRow], bool, int]:
    """Newest first; ``issuer`` None for every key; ``after`` an issue position. Rows, has-next, total."""
    conditions = [] if issuer is None else [_of(issuer)]
    if not include_revoked:
        conditions.append(_k.revoked_at.is_(None))
    query = select(*_COLUMNS).where(*conditions).order_by(_k.issued_position.desc()).limit(first + 1)
    if after is not None:
        query = query.where(_k.issued_position < after)
    async with engine.connect() as conn:
        rows = [ApiKeyRow(*row) for row in await conn.execute(query)]
        total = int(await conn.scalar(select(func.count()).select_from(api_keys).where(*conditions)) or 0)
    return rows[:first], len(rows) > first, total
