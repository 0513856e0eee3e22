"""The receiver flow totals read model's tables: its cells, each flow's share of its cell with what
it was given to, and the crisis, member state and sector of each request and project."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, Table, Uuid

from projections.columns import Quantity, SafeString, metadata

#: One row per source, FTS status, year, receiving member state, sector and crisis with a live flow
#: (state, sector and crisis are none for a flow given to a fund; state and sector for one given to a
#: crisis). ``cell`` is the key written out; ``places`` counts, per sum, the terms with 1, 2, ...
#: decimal places, so that a sum is shown with as many places as its longest term.
receiver_flow_totals = Table(
    "receiver_flow_totals",
    metadata,
    Column("cell", SafeString(160), primary_key=True),
    Column("source_id", Uuid, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("member_state", SafeString(3)),
    Column("sector", SafeString(8)),
    Column("crisis_id", Uuid),
    Column("flows", Integer, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("usd_paid", Quantity, nullable=False),
    Column("places", JSON, nullable=False),
)

#: Each flow (a pledge, or a fund's allocation): what it was given to, its cell and what it adds to
#: it, to take out when it changes; ``amount`` and ``paid`` in the pledge's currency decide its status.
receiver_flow_totals_flows = Table(
    "receiver_flow_totals_flows",
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("destination_id", Uuid, nullable=False),
    Column("source_id", Uuid, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("member_state", SafeString(3)),
    Column("sector", SafeString(8)),
    Column("crisis_id", Uuid),
    Column("amount", Quantity, nullable=False),
    Column("paid", Quantity, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("usd_paid", Quantity, nullable=False),
    Column("live", Boolean, nullable=False),
    Index("ix_receiver_flow_totals_flows_destination", "destination_id"),
)

#: The crisis, member state and sector of each request and project a flow may go to.
receiver_flow_totals_destinations = Table(
    "receiver_flow_totals_destinations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
    Column("member_state", SafeString(3), nullable=False),
    Column("sector", SafeString(8), nullable=False),
)
