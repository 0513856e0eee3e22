"""Errors the API itself raises, and the one mapping from any error to a public code."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from starlette.responses import JSONResponse, Response

from domain.errors import DomainError, InvalidInput, InvalidTransition, Refusal
from domain.security import ClearanceRequired
from services.errors import Conflict, NotFound, Retry
from services.idempotency import CommandInFlight, IdempotencyKeyReused
from services.identity.access import Forbidden, Unauthenticated
from services.infrastructure.deadlines import DatabaseTimeout

log = logging.getLogger("concord.api")
PROBLEM_JSON = "application/problem+json"


class BadInput(ValueError):
    """Input the API cannot even hand to the domain (e.g. a malformed id)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Unavailable(RuntimeError):
    """The database cannot be reached just now; the caller should retry."""


@dataclass(frozen=True)
class Public:
    """What a caller may see of an error: a code, a message and any further details."""

    code: str
    message: str
    details: dict[str, object]
    http_status: int


# Each kind of error, the code callers see and the HTTP status a REST route would answer with.
_CODES: list[tuple[tuple[type[BaseException], ...], str, int]] = [
    ((InvalidInput, BadInput), "BAD_USER_INPUT", 400),
    ((NotFound,), "NOT_FOUND", 404),
    ((Unauthenticated,), "UNAUTHENTICATED", 401),
    ((Forbidden,), "FORBIDDEN", 403),
    ((IdempotencyKeyReused,), "IDEMPOTENCY_KEY_REUSED", 422),
    ((ClearanceRequired,), "SECURITY_CLEARANCE_REQUIRED", 409),
    ((CommandInFlight, InvalidTransition, Conflict), "CONFLICT", 409),
    ((DomainError,), "BAD_USER_INPUT", 400),
]


def public(error: BaseException) -> Public:
    """Map an error to what the caller sees; anything unexpected is logged, not revealed."""
    for kinds, code, status in _CODES:
        if isinstance(error, kinds):
            details: dict[str, object] = {}
            if isinstance(error, InvalidInput | BadInput):
                details["field"] = error.field
            reason = reason_of(error)
            if reason is not None:
                details["reason"] = reason.value
            return Public(code, str(error), details, status)
    if isinstance(error, Unavailable | DatabaseTimeout) or _is_database_outage(error):
        return Public("SERVICE_UNAVAILABLE", "the database is unavailable; retry shortly", {}, 503)
    log.error("unexpected error", exc_info=error)
    return Public("INTERNAL_SERVER_ERROR", "internal error; it has been logged", {}, 500)


def reason_of(error: BaseException) -> Refusal | Retry | None:
    """Why a business rule refused (or why to retry): ``extensions.reason`` and a problem's ``reason``."""
    if isinstance(error, DomainError):
        return error.refusal
    if isinstance(error, Conflict | CommandInFlight):
        return error.retry
    return None


def code_of(error: BaseException) -> str:
    """The public code of an error, without logging it (for metrics)."""
    for kinds, code, _status in _CODES:
        if isinstance(error, kinds):
            return code
    if isinstance(error, Unavailable | DatabaseTimeout) or _is_database_outage(error):
        return "SERVICE_UNAVAILABLE"
    return "INTERNAL_SERVER_ERROR"


def _is_database_outage(error: BaseException) -> bool:
    """The database could not be reached or went away: not the caller's fault, worth a retry."""
    seen: BaseException | None = error
    for _ in range(10):  # along the chain: drivers wrap the socket's error, SQLAlchemy the driver's
        if seen is None:
            return False
        if isinstance(seen, StoreInterfaceError | StoreOperationalError | OSError | TimeoutError):
            return True
        if isinstance(seen, SQLAlchemyOperationalError | SQLAlchemyInterfaceError):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if type(seen).__module__.startswith("asyncpg") and _ASYNCPG_OUTAGE.intersection(
            cls.__name__ for cls in type(seen).__mro__
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# asyncpg's classes for a server that is down, starting, stopping or gone away mid-query.
_ASYNCPG_OUTAGE = frozenset(
    {"PostgresConnectionError", "CannotConnectNowError", "AdminShutdownError", "ConnectionDoesNotExistError"}
)


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: object
) -> Response:
    """An RFC 9457 problem details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
