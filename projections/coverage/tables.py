"""The coverage read model's tables: its cells, and what it keeps of each request to update them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, Table, Uuid

from projections.columns import Quantity, SafeString, metadata

#: One row per crisis, member state and sector with a live (not cancelled) request: the sums the
#: dashboard shows. ``places`` counts, per sum, the terms with 1, 2, ... decimal places, so that a
#: sum is shown with as many places as the longest term (as adding the terms one by one shows it).
coverage_cells = Table(
    "coverage_cells",
    metadata,
    Column("crisis_id", Uuid, primary_key=True),
    Column("member_state", SafeString(3), primary_key=True),
    Column("sector", SafeString(8), primary_key=True),
    Column("requests", Integer, nullable=False),
    Column("requested", Quantity, nullable=False),
    Column("committed", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
    Column("places", JSON, nullable=False),
)

#: Each request's cell, quantity and totals: what it adds to its cell, to take out when it changes.
coverage_requests = Table(
    "coverage_requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
    Column("member_state", SafeString(3), nullable=False),
    Column("sector", SafeString(8), nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("committed", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
    Column("live", Boolean, nullable=False),
)

#: What each match commits to a request and what was delivered of it (a release takes both out).
coverage_commitments = Table(
    "coverage_commitments",
    metadata,
    Column("match_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("quantity", Quantity, nullable=False),
    Column("delivered", Quantity, nullable=False),
)
