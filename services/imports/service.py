"""An upload of requests or offers, row by row, through Concord's own commands with the caller's
principal: the preview runs each command as a dry run (authorised and validated, nothing saved);
the commit runs it for real.

Each row's command carries an idempotency key derived from the file's content and the row's line,
so the same file uploaded again posts nothing twice (its rows answer "already posted"). A row with
the id of a request on record (as an export has) amends that request to the row's terms, or is
left alone when they are already so: an export, edited and uploaded again, changes only what was
edited, and a re-export of posted rows posts nothing.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.errors import DomainError, InvalidInput
from domain.offers import Terms
from domain.requests import Need
from services.coordination import Command, Concord, Recorded
from services.errors import Conflict, NotFound
from services.idempotency import CommandInFlight, IdempotencyKeyReused
from services.identity.access import Forbidden, Principal
from services.imports.columns import OFFER_FIELDS, REQUEST_FIELDS, Field, check_columns, values_of
from services.imports.sheets import SheetRow, read_sheet
from services.infrastructure.deadlines import within

#: What a row's command may refuse with: shown at the row; anything else (an outage) stops the import.
_ROW_REFUSALS = (DomainError, Forbidden, NotFound, Conflict, IdempotencyKeyReused, CommandInFlight)
Progress = Callable[[int, int], None]
#: Rows in flight at once: their commands share the event store's group commits
#: (``services.infrastructure.group_commit``), where one after another each would wait for its own.
ROW_WORKERS = 8


class Kind(enum.Enum):
    REQUESTS = "requests"
    OFFERS = "offers"


class RowStatus(enum.Enum):
    POST = "post"  # preview: will be posted
    AMEND = "amend"  # preview: the request on record will be amended
    POSTED = "posted"
    AMENDED = "amended"
    UNCHANGED = "unchanged"  # on record with the row's terms already
    ALREADY_POSTED = "already-posted"  # by an earlier upload of this same file
    ERROR = "error"


@dataclass(frozen=True)
class RowError:
    field: str | None
    message: str
    reason: str | None = None  # a business refusal's reason, as docs/api.md lists it


@dataclass
class ImportedRow:
    line: int
    status: RowStatus
    values: dict[str, str]
    id: UUID | None = None
    errors: list[RowError] = field(default_factory=list)
    position: int = 0  # of the row's command, once recorded


@dataclass
class ImportReport:
    kind: Kind
    digest: str  # SHA-256 of the file: with a row's line, its commands' idempotency key
    committed: bool
    rows: list[ImportedRow]
    position: int = 0  # the log position of the last command recorded (for Consistent-With)

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys((s.value for s in RowStatus), 0)
        for row in self.rows:
            counts[row.status.value] += 1
        return counts


def row_key(digest: str, line: int) -> str:
    return "import-" + hashlib.sha256(f"{digest}\n{line}".encode()).hexdigest()


def import_file(
    concord: Concord,
    principal: Principal,
    kind: Kind,
    content: bytes,
    *,
    commit: bool,
    correlation_id: str | None = None,
    row_timeout: float | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Read the file and preview or commit each row; InvalidInput (field ``file``) for a file that
    cannot be read as an HXL-tagged sheet of this kind."""
    fields = REQUEST_FIELDS if kind is Kind.REQUESTS else OFFER_FIELDS
    tags, rows = read_sheet(content)
    check_columns(fields, tags)
    digest = hashlib.sha256(content).hexdigest()
    report = ImportReport(kind, digest, commit, [])

    def one(row: SheetRow) -> ImportedRow:
        command = Command(principal, correlation_id, row_key(digest, row.line), dry_run=not commit)
        with within(row_timeout) if row_timeout is not None else nullcontext():
            return _import_row(concord, command, kind, fields, row)

    with ThreadPoolExecutor(ROW_WORKERS, "concord-import") as pool:
        for done, imported in enumerate(pool.map(one, rows), start=1):
            report.rows.append(imported)
            report.position = max(report.position, imported.position)
            if progress is not None:
                progress(done, len(rows))
    return report


def _import_row(
    concord: Concord, command: Command, kind: Kind, fields: Sequence[Field], row: SheetRow
) -> ImportedRow:
    values, errors = values_of(fields, row)
    shown = {f.name: row.get(f.tag) for f in fields if row.get(f.tag)}
    if errors:
        return ImportedRow(row.line, RowStatus.ERROR, shown, errors=_errors(errors))
    try:
        if kind is Kind.REQUESTS:
            status, recorded = _request(concord, command, values)
        else:
            status, recorded = _offer(concord, command, values)
    except _ROW_REFUSALS as error:
        return ImportedRow(row.line, RowStatus.ERROR, shown, errors=[_refusal(error)])
    if recorded is None:
        return ImportedRow(row.line, status, shown, id=values.get("id"))
    imported = ImportedRow(row.line, status, shown, id=recorded.aggregate.id, position=recorded.position)
    if recorded.replayed:
        imported.status = RowStatus.ALREADY_POSTED
    elif not command.dry_run:
        imported.status = RowStatus.POSTED if status is RowStatus.POST else RowStatus.AMENDED
    return imported


def _request(
    concord: Concord, command: Command, values: dict[str, Any]
) -> tuple[RowStatus, Recorded[Any] | None]:
    need = Need(
        sector=values["sector"],
        title=values["title"],
        description="",
        quantity=values["quantity"],
        unit=values["unit"],
        priority=values["priority"],
        needed_by=values["neededBy"],
        admin_code=values["adminCode"],
        item=values["item"],
    )
    if "id" not in values:
        return RowStatus.POST, concord.post_request(command, values["crisisId"], values["memberState"], need)
    request = concord.get_request(values["id"])
    if request.crisis_id != values["crisisId"]:
        raise InvalidInput("crisisId", "a request's crisis cannot change: leave the id blank to post anew")
    if request.member_state is not values["memberState"]:
        raise InvalidInput("memberState", "a request's member state cannot change")
    on_record = request.need
    changes = {
        name: value
        for name, value in _comparable(need).items()
        if name not in ("description", "transport_needed", "escort_needed")
        and value != _comparable(on_record)[name]
    }
    if not changes:
        return RowStatus.UNCHANGED, None
    return RowStatus.AMEND, concord.amend_request(command, request.id, **changes)


def _comparable(need: Need) -> dict[str, Any]:
    fields = {f.name: getattr(need, f.name) for f in dataclasses.fields(need)}
    return {**fields, "admin_code": need.admin_code.strip().upper(), "title": need.title.strip()}


def _offer(
    concord: Concord, command: Command, values: dict[str, Any]
) -> tuple[RowStatus, Recorded[Any] | None]:
    terms = Terms(
        sector=values["sector"],
        item=values["item"],
        quantity=values["quantity"],
        unit=values["unit"],
        available_from=values["availableFrom"],
        available_until=values["availableUntil"],
        serves=frozenset(values["serves"]),
        delivery_mode=values["deliveryMode"],
        standby_capacity=values.get("standbyCapacity"),
    )
    organisation = values.get("organisationId")
    if organisation is not None and organisation != command.principal.organisation_id:
        raise InvalidInput("organisationId", "an upload offers for the caller's own organisation only")
    if "id" not in values:
        return RowStatus.POST, concord.post_offer(command, values["crisisId"], terms)
    offer = concord.get_offer(values["id"])
    if dataclasses.replace(offer.terms, description="") != terms:
        raise InvalidInput("id", "an offer on record is not amended: withdraw it and post a row without id")
    return RowStatus.UNCHANGED, None


def _errors(errors: dict[str, str]) -> list[RowError]:
    return [RowError(name, message) for name, message in errors.items()]


def _refusal(error: BaseException) -> RowError:
    name = error.field if isinstance(error, InvalidInput) else "id" if isinstance(error, NotFound) else None
    message = str(error).removeprefix(f"{name}: ") if name else str(error)
    refusal = getattr(error, "refusal", None) or getattr(error, "retry", None)
    return RowError(name, message, refusal.value if isinstance(refusal, enum.Enum) else None)
