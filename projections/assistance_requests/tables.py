"""The ``assistance_requests`` read model's tables: each request, and what matches commit to it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, SmallInteger, Table, Uuid

from projections.columns import Day, Quantity, SafeString, SafeText, UTCDateTime, metadata

assistance_requests = Table(
    "assistance_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
    Column("member_state", SafeString(3), nullable=False),
    Column("sector", SafeString(8), nullable=False),
    Column("item", SafeString(32), nullable=False),
    Column("title", SafeString(200), nullable=False),
    Column("description", SafeText, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("unit", SafeString(32), nullable=False),
    Column("committed", Quantity, nullable=False),
    Column("in_transit", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
    Column("priority", SmallInteger, nullable=False),
    Column("needed_by", Day, nullable=False),
    Column("admin_code", SafeString(16), nullable=False),
    Column("transport_needed", Boolean, nullable=False),
    Column("escort_needed", Boolean, nullable=False),
    Column("status", SafeString(24), nullable=False),
    Column("cancellation_reason", SafeText),
    Column("safe_haven_id", Uuid, index=True),  # needs of a safe haven's population
    Column("version", Integer, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("posted_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_assistance_requests_state_status", "member_state", "status"),
    # A crisis's open needs of some priority (the dashboard's oldest unmet needs) counted in the index.
    Index("ix_assistance_requests_crisis", "crisis_id", "status", "priority"),
    Index("ix_assistance_requests_place_item", "member_state", "admin_code", "item"),
    Index("ix_assistance_requests_sector", "sector"),
    # The needs a donor's offers could serve: looked up by item and the states an offer serves.
    Index("ix_assistance_requests_item_state", "item", "member_state", "status", "crisis_id"),
    # The needs a donor's offers could serve, read a priority at a time by needed-by date
    # (``projections.matching.served.needs_served``), which bounds what each unread need could score.
    Index("ix_assistance_requests_priority", "priority", "needed_by", "id"),
    # A state's needs, newest first (the coordinator's needs page): the page read in the index's
    # order and counted in it, not every need of the state sorted.
    Index("ix_assistance_requests_state_posted", "member_state", "posted_position"),
    # A request's state by its key without reading its (wide) row: the matches of a state's requests.
    Index("ix_assistance_requests_id_state", "id", "member_state"),
)

_requests = assistance_requests.c
# Needs of a status by priority (the secretariat's desk: the open needs, highest priority first):
# the page is the index's first rows, in ``REQUEST_ORDERS["priority"]``'s order and directions,
# not every open need sorted.
Index(
    "ix_assistance_requests_status_priority",
    _requests.status,
    _requests.priority.desc(),
    _requests.needed_by,
    _requests.posted_position.desc(),
)
# A crisis's needs by needed-by date (the dashboard's oldest unmet needs): read in the index's
# order, in ``REQUEST_ORDERS["urgency"]``'s directions, their status and priority checked in it,
# until the page is full, not every open need of priority 4 and 5 sorted.
Index(
    "ix_assistance_requests_crisis_due",
    _requests.crisis_id,
    _requests.needed_by,
    _requests.priority.desc(),
    _requests.posted_position.desc(),
    _requests.status,
)

#: What accepted matches commit to each request, and by whom (the self-claim rule's evidence).
request_commitments = Table(
    "request_commitments",
    metadata,
    Column("match_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False, index=True),
    Column("quantity", Quantity, nullable=False),
    Column("organisation_id", Uuid),
    Column("offering_state", SafeString(3)),
    Column("dispatched", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
    Column("received", Boolean, nullable=False),
    Column("committed_at", UTCDateTime, nullable=False),
)
