"""Refusals that come from the application layer rather than from the domain's rules."""

from __future__ import annotations

from uuid import UUID


class NotFound(LookupError):
    def __init__(self, kind: str, identifier: UUID | str) -> None:
        super().__init__(f"no {kind} with id {identifier}")
        self.kind = kind
        self.identifier = identifier


class Conflict(RuntimeError):
    """Others kept changing the same aggregate; the command was not recorded. Try again."""
