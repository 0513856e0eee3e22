"""The flow totals read model's tables: its cells, each flow's share of its cell, and the crisis of
each request and project a flow may go to."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, Table, Uuid

from projections.columns import Quantity, SafeString, metadata

#: One row per source, FTS status, year and crisis (none: given to a fund) with a live flow: the sums
#: the dashboard's funding shows. ``cell`` is the key written out (the crisis may be none); ``places``
#: counts, per sum, the terms with 1, 2, ... decimal places, so that a sum is shown with as many places
#: as its longest term (as adding the terms one by one shows it).
flow_totals = Table(
    "flow_totals",
    metadata,
    Column("cell", SafeString(120), primary_key=True),
    Column("source_id", Uuid, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("crisis_id", Uuid),
    Column("flows", Integer, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("usd_paid", Quantity, nullable=False),
    Column("places", JSON, nullable=False),
)

#: Each flow (a pledge, or a fund's allocation): its cell and what it adds to it, to take out when it
#: changes; ``amount`` and ``paid`` in the pledge's currency decide its status.
flow_totals_flows = Table(
    "flow_totals_flows",
    metadata,
    Column("flow_id", Uuid, primary_key=True),
    Column("source_id", Uuid, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("crisis_id", Uuid),
    Column("amount", Quantity, nullable=False),
    Column("paid", Quantity, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("usd_paid", Quantity, nullable=False),
    Column("live", Boolean, nullable=False),
)

#: The crisis of each request and project: what a flow given to one counts under.
flow_totals_destinations = Table(
    "flow_totals_destinations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("crisis_id", Uuid, nullable=False),
)
