"""The ``finance`` read model's tables: pledges with their payments, the Stability Fund with its
allocations and its ledger."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Table, Uuid

from projections.columns import Day, Quantity, SafeString, SafeText, UTCDateTime, metadata

pledges = Table(
    "pledges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("destination_kind", SafeString(16), nullable=False),
    Column("destination_id", Uuid, nullable=False, index=True),
    Column("amount", Quantity, nullable=False),
    Column("currency", SafeString(3), nullable=False),
    Column("usd_rate", Quantity, nullable=False),
    Column("rate_date", Day, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("earmarking", SafeString(24), nullable=False),
    Column("in_kind", Boolean, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("paid", Quantity, nullable=False),
    Column("usd_paid", Quantity, nullable=False),
    Column("due_date", Day),
    Column("pledged_at", UTCDateTime, nullable=False),
    Column("committed_at", UTCDateTime),
    Column("last_paid_on", Day),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("made_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)

pledge_payments = Table(
    "pledge_payments",
    metadata,
    Column("payment_id", Uuid, primary_key=True),
    Column("pledge_id", Uuid, nullable=False, index=True),
    Column("amount", Quantity, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("paid_on", Day, nullable=False),
    Column("refunded", Quantity, nullable=False),
    Column("usd_refunded", Quantity, nullable=False),
)

funds = Table(
    "funds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", SafeString(200), nullable=False),
    Column("member_state", SafeString(3)),
    Column("received", Quantity, nullable=False),
    Column("refunded", Quantity, nullable=False),
    Column("allocated", Quantity, nullable=False),
    Column("disbursed", Quantity, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("opened_position", BigInteger, nullable=False, unique=True),
    Column("position", BigInteger, nullable=False),
)

# A fund's allocations, paged in the order they were approved (by the fund's version after each).
fund_allocations = Table(
    "fund_allocations",
    metadata,
    Column("allocation_id", Uuid, primary_key=True),
    Column("fund_id", Uuid, nullable=False),
    Column("version", BigInteger, nullable=False),  # the fund's version after the approval
    Column("window", SafeString(16), nullable=False),
    Column("destination_kind", SafeString(16), nullable=False),
    Column("destination_id", Uuid, nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("disbursed", Quantity, nullable=False),
    Column("rationale", SafeText, nullable=False),
    Column("decided_by", SafeString(200), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Index("ix_fund_allocations_fund_version", "fund_id", "version", unique=True),
)

# One row per money event of a fund, with the running totals after it: the fund's ledger, paged by
# version, so that reading a long ledger never loads the fund's whole history.
fund_ledger = Table(
    "fund_ledger",
    metadata,
    Column("fund_id", Uuid, primary_key=True),
    Column("version", BigInteger, primary_key=True),  # the fund's version after the event
    Column("at", UTCDateTime, nullable=False),
    Column("kind", SafeString(16), nullable=False),
    Column("usd_amount", Quantity, nullable=False),
    Column("received", Quantity, nullable=False),  # contributions received less refunds, so far
    Column("allocated", Quantity, nullable=False),
    Column("disbursed", Quantity, nullable=False),
    Column("balance", Quantity, nullable=False),
    Column("position", BigInteger, nullable=False),
    # When the money moved: a contribution's payment date; for the others, the day it was recorded.
    Column("value_date", Day, nullable=False),
    Column("allocation_id", Uuid),  # the allocation an allocation or disbursement entry is of
    Column("disbursement_id", Uuid),
)
