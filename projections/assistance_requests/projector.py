"""The ``assistance_requests`` read model, with what is committed, in transit and delivered."""

from __future__ import annotations

from decimal import Decimal
from operator import attrgetter
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.requests import AssistanceRequest, status_of
from projections.assistance_requests.tables import assistance_requests, request_commitments
from projections.projector import ProjectorBase, handles

_R = AssistanceRequest
_requests = assistance_requests.c
_commitments = request_commitments.c
_TERMS = (
    "sector", "item", "title", "description", "quantity", "unit", "priority", "needed_by",
    "admin_code", "transport_needed", "escort_needed",
)  # fmt: skip
_terms_of = attrgetter(*_TERMS)  # an event's terms as a tuple, in one C call: as long as _TERMS
ZERO = Decimal(0)
_INSERT_REQUEST = insert(assistance_requests)
_AMEND_REQUEST = (
    update(assistance_requests)
    .where(_requests.id == bindparam("request_id"))
    .values({name: bindparam(name) for name in (*_TERMS, "version", "updated_at", "position")})
    .returning(_requests.quantity, _requests.committed, _requests.delivered, _requests.status)
)
# A request's quantity and status beside each of its commitments (one row of NULLs if it has none).
_REQUEST_AND_COMMITMENTS = (
    select(
        _requests.quantity,
        _requests.status,
        _commitments.quantity.label("c_quantity"),
        _commitments.dispatched.label("c_dispatched"),
        _commitments.delivered.label("c_delivered"),
        _commitments.received.label("c_received"),
    )
    .select_from(assistance_requests.outerjoin(request_commitments, _commitments.request_id == _requests.id))
    .where(_requests.id == bindparam("request_id"))
)


class RequestsProjector(ProjectorBase):
    name = "assistance_requests"
    tables: tuple[Table, ...] = (assistance_requests, request_commitments)
    # Queries' indexes: projecting reads rows by primary key and commitments by request_id only.
    write_only_indexes = frozenset(
        index.name for index in assistance_requests.indexes if index.name and not index.unique
    )

    @handles(_R.Posted)
    async def _posted(self, event: _R.Posted, conn: AsyncConnection, position: int) -> None:
        # The row as parameters of one prepared insert: building .values() costs more than sending it.
        await conn.execute(
            _INSERT_REQUEST,
            {
                "id": event.originator_id,
                "crisis_id": event.crisis_id,
                "member_state": event.member_state,
                **dict(zip(_TERMS, _terms_of(event), strict=False)),
                "committed": ZERO,
                "in_transit": ZERO,
                "delivered": ZERO,
                "status": status_of(
                    cancelled=False, requested=event.quantity, committed=ZERO, delivered=ZERO
                ).value,
                "version": event.originator_version,
                "posted_at": event.timestamp,
                "updated_at": event.timestamp,
                "posted_position": position,
                "position": position,
            },
        )

    @handles(_R.Amended)
    async def _amended(self, event: _R.Amended, conn: AsyncConnection, position: int) -> None:
        """An amendment leaves the commitments as they were, so the row's own totals (kept by
        _recount) give the new status: one round trip, two if the status changes, not four."""
        values = dict(zip(_TERMS, _terms_of(event), strict=False))
        values.update(
            request_id=event.originator_id,
            version=event.originator_version,
            updated_at=event.timestamp,
            position=position,
        )
        row = (await conn.execute(_AMEND_REQUEST, values)).one()
        status = status_of(
            cancelled=row.status == "cancelled",
            requested=row.quantity,
            committed=row.committed,
            delivered=row.delivered,
        ).value
        if status != row.status:
            await conn.execute(
                update(assistance_requests).where(_requests.id == event.originator_id).values(status=status)
            )

    @handles(_R.Cancelled)
    async def _cancelled(self, event: _R.Cancelled, conn: AsyncConnection, position: int) -> None:
        await self._recount(conn, event, position, cancelled=True, cancellation_reason=event.reason or None)

    @handles(_R.LinkedToSafeHaven)
    async def _linked(self, event: _R.LinkedToSafeHaven, conn: AsyncConnection, position: int) -> None:
        await self._touch(conn, event, position, safe_haven_id=event.safe_haven_id)

    @handles(_R.Committed)
    async def _committed(self, event: _R.Committed, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            insert(request_commitments).values(
                match_id=event.match_id,
                request_id=event.originator_id,
                quantity=event.quantity,
                organisation_id=UUID(event.organisation_id) if event.organisation_id else None,
                offering_state=event.offering_state,
                dispatched=ZERO,
                delivered=ZERO,
                received=False,
                committed_at=event.timestamp,
            )
        )
        await self._recount(conn, event, position)

    @handles(_R.Released)
    async def _released(self, event: _R.Released, conn: AsyncConnection, position: int) -> None:
        await conn.execute(delete(request_commitments).where(_commitments.match_id == event.match_id))
        await self._recount(conn, event, position)

    @handles(_R.Dispatched)
    async def _dispatched(self, event: _R.Dispatched, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            update(request_commitments)
            .where(_commitments.match_id == event.match_id)
            .values(dispatched=event.quantity)
        )
        await self._recount(conn, event, position)

    @handles(_R.Received)
    async def _received(self, event: _R.Received, conn: AsyncConnection, position: int) -> None:
        await conn.execute(
            update(request_commitments)
            .where(_commitments.match_id == event.match_id)
            .values(delivered=event.quantity, received=True)
        )
        await self._recount(conn, event, position)

    @staticmethod
    async def _touch(conn: AsyncConnection, event: Any, position: int, **values: Any) -> None:
        await conn.execute(
            update(assistance_requests)
            .where(_requests.id == event.originator_id)
            .values(version=event.originator_version, updated_at=event.timestamp, position=position, **values)
        )

    @staticmethod
    async def _recount(
        conn: AsyncConnection, event: Any, position: int, *, cancelled: bool | None = None, **values: Any
    ) -> None:
        """Totals and status from the request's commitments, as the aggregate derives them, with the
        event's version and position: one read of the row and its commitments, one write."""
        rows = (await conn.execute(_REQUEST_AND_COMMITMENTS, {"request_id": event.originator_id})).all()
        counted = [r for r in rows if r.c_quantity is not None]  # the outer join's lone row: none
        committed = sum((r.c_quantity for r in counted), ZERO)
        in_transit = sum((r.c_dispatched for r in counted if not r.c_received), ZERO)
        delivered = sum((r.c_delivered for r in counted), ZERO)
        current = rows[0]
        is_cancelled = current.status == "cancelled" if cancelled is None else cancelled
        status = status_of(
            cancelled=is_cancelled, requested=current.quantity, committed=committed, delivered=delivered
        )
        await conn.execute(
            update(assistance_requests)
            .where(_requests.id == event.originator_id)
            .values(
                version=event.originator_version,
                updated_at=event.timestamp,
                position=position,
                committed=committed,
                in_transit=in_transit,
                delivered=delivered,
                status=status.value,
                **values,
            )
        )
