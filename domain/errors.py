"""Why the domain refuses a command. The API turns each kind into an error code."""

from __future__ import annotations


class DomainError(Exception):
    """A command that the domain's rules refuse; nothing is recorded."""


class InvalidInput(DomainError, ValueError):
    """A value that can never be right, whatever the state: names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class InvalidTransition(DomainError):
    """A command that the aggregate's current state does not allow (e.g. amending a cancelled request)."""
