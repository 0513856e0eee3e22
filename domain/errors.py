"""Why the domain refuses a command. The API turns each kind into an error code, and a business
rule's refusal also into a stable reason (``Refusal``) that clients may branch on."""

from __future__ import annotations

import enum


class Refusal(enum.Enum):
    """Which business rule refused; listed, with its code and meaning, once in docs/api.md."""

    INVALID_TRANSITION = "INVALID_TRANSITION"
    CRISIS_CLOSED = "CRISIS_CLOSED"
    OVER_CAPACITY = "OVER_CAPACITY"
    OVER_ALLOCATION = "OVER_ALLOCATION"
    OVER_COMMITMENT = "OVER_COMMITMENT"
    OVER_RECEIPT = "OVER_RECEIPT"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    OVER_DISBURSEMENT = "OVER_DISBURSEMENT"
    OVER_PAYMENT = "OVER_PAYMENT"
    OVER_REFUND = "OVER_REFUND"
    OVER_DEPARTURE = "OVER_DEPARTURE"
    CLEARANCE_REQUIRED = "CLEARANCE_REQUIRED"


class DomainError(Exception):
    """A command that the domain's rules refuse; nothing is recorded."""

    refusal: Refusal | None = None

    def __init__(self, *args: object, refusal: Refusal | None = None) -> None:
        super().__init__(*args)
        if refusal is not None:
            self.refusal = refusal


class InvalidInput(DomainError, ValueError):
    """A value that can never be right, whatever the state: names the offending field.

    A value right in form but beyond what the aggregate holds (paying more than pledged) also
    names its ``refusal``."""

    def __init__(self, field: str, message: str, *, refusal: Refusal | None = None) -> None:
        super().__init__(f"{field}: {message}", refusal=refusal)
        self.field = field
        self.reason = message


class InvalidTransition(DomainError):
    """A command that the aggregate's current state does not allow (e.g. amending a cancelled request)."""

    refusal: Refusal | None = Refusal.INVALID_TRANSITION
