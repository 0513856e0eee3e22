"""Each projection's position in the log, and its failure if it fails: the projections' tracking table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from projections.columns import SafeString, SafeText, UTCDateTime, metadata

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("projection", SafeString(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Set while the projection fails (the last error and since when); ``failures`` only grows.
    Column("error", SafeText),
    Column("failing_since", UTCDateTime),
    Column("failures", BigInteger, nullable=False, server_default="0"),
)


async def tracking_positions(engine: AsyncEngine) -> dict[str, int]:
    """Each projection's position, by its name."""
    async with engine.connect() as conn:
        rows = await conn.execute(select(projection_tracking.c.projection, projection_tracking.c.position))
        return {name: int(position) for name, position in rows}
