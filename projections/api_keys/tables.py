"""The ``api_keys`` read model's table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Table, Uuid

from projections.columns import SafeString, SafeText, UTCDateTime, metadata

# Service-account API keys: who issued each (the issuer's whole scope, to list one's own), never
# the secret, which no event holds either.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", SafeString(200), nullable=False),
    Column("role", SafeString(16), nullable=False),
    Column("member_state", SafeString(3)),
    Column("organisation_id", SafeString(36)),
    Column("key_hint", SafeString(8), nullable=False),
    Column("issued_by", SafeText, nullable=False),
    Column("issued_by_role", SafeString(16), nullable=False),
    Column("issued_by_member_state", SafeString(3)),
    Column("issued_by_organisation_id", SafeString(36)),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", SafeText),
    Column("issued_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
    Index("ix_api_keys_issuer", "issued_by_role", "issued_by_member_state", "issued_by_organisation_id"),
)
