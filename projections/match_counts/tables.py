"""The match counts read model's tables: its cells, and what it keeps of each request and match to
update them."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Table, Uuid

from projections.columns import SafeString, metadata

#: One row per member state and match status that has any match: how many of the matches serving
#: the state's requests are in that status.
match_counts = Table(
    "match_counts",
    metadata,
    Column("member_state", SafeString(3), primary_key=True),
    Column("status", SafeString(16), primary_key=True),
    Column("matches", Integer, nullable=False),
)

#: Each request's member state (a request never changes state): where its matches are counted.
match_counts_requests = Table(
    "match_counts_requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("member_state", SafeString(3), nullable=False),
)

#: Each match's requesting state and status: the cell to take it out of when its status changes.
match_counts_matches = Table(
    "match_counts_matches",
    metadata,
    Column("match_id", Uuid, primary_key=True),
    Column("member_state", SafeString(3), nullable=False),
    Column("status", SafeString(16), nullable=False),
)
