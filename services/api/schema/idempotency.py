"""The idempotency key every mutation input may carry, so a retried command is recorded once."""

from __future__ import annotations

import strawberry

IDEMPOTENCY_KEY = strawberry.field(
    default=None,
    description=(
        "Makes a retry safe: the same key with the same input returns the first result; "
        "with a different input it is refused (IDEMPOTENCY_KEY_REUSED). The Idempotency-Key "
        "header does the same."
    ),
)
