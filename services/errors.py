"""Refusals that come from the application layer rather than from the domain's rules."""

from __future__ import annotations

import enum
from uuid import UUID


class Retry(enum.Enum):
    """Why a command was not recorded though the same command may well succeed if sent again:
    no business rule refused it (those are ``domain.errors.Refusal``)."""

    CONCURRENT_UPDATE = "CONCURRENT_UPDATE"
    COMMAND_IN_FLIGHT = "COMMAND_IN_FLIGHT"


class NotFound(LookupError):
    def __init__(self, kind: str, identifier: UUID | str) -> None:
        super().__init__(f"no {kind} with id {identifier}")
        self.kind = kind
        self.identifier = identifier


class Conflict(RuntimeError):
    """Others kept changing the same aggregate; the command was not recorded. Try again."""

    retry = Retry.CONCURRENT_UPDATE
