"""The command side: one method per command of the relief coordinators, secretariat and donors."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording, Transcoder

from domain.codes import MemberState
from domain.requests import AssistanceRequest, Need
from services.errors import Conflict, NotFound
from services.transcodings import DateAsISO

A = TypeVar("A")
Clock = Callable[[], date]
_RETRIES_ON_CONFLICT = 3


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Recorded(Generic[A]):
    """A command's outcome: the aggregate as it now stands and the log position of its last event."""

    aggregate: A
    position: int


class Concord(Application):  # type: ignore[type-arg]
    """The event-sourced command service. Its name prefixes the PostgreSQL event table."""

    name = "Concord"

    def __init__(self, env: dict[str, str] | None = None, *, today: Clock = utc_today) -> None:
        super().__init__(env)
        self._today = today
        self._listeners: list[Callable[[int], None]] = []
        self._listeners_lock = threading.Lock()

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[arg-type]
        transcoder.register(DateAsISO())  # type: ignore[attr-defined]

    # Listeners learn of each commit's last position, to wake in-process projections.
    def on_recorded(self, listener: Callable[[int], None]) -> Callable[[], None]:
        with self._listeners_lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._listeners_lock:
                self._listeners.remove(listener)

        return remove

    def _notify(self, recordings: list[Recording]) -> None:  # type: ignore[type-arg]
        if not recordings:
            return
        position = recordings[-1].notification.id
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(position)

    # Assistance requests.
    def post_request(self, member_state: MemberState, need: Need) -> Recorded[AssistanceRequest]:
        request = AssistanceRequest.post(member_state, need, today=self._today())
        return Recorded(request, self._save(request))

    def amend_request(self, request_id: UUID, **changes: Any) -> Recorded[AssistanceRequest]:
        """Change some terms of a request; the terms not named stay as they are."""

        def amend(request: AssistanceRequest) -> None:
            request.amend(dataclasses.replace(request.need, **changes), today=self._today())

        return self._change_request(request_id, amend)

    def cancel_request(self, request_id: UUID, reason: str = "") -> Recorded[AssistanceRequest]:
        return self._change_request(request_id, lambda request: request.cancel(reason))

    def get_request(self, request_id: UUID) -> AssistanceRequest:
        try:
            request: object = self.repository.get(request_id)
        except AggregateNotFoundError:
            raise NotFound("assistance request", request_id) from None
        if not isinstance(request, AssistanceRequest):
            raise NotFound("assistance request", request_id)
        return request

    def _change_request(
        self, request_id: UUID, change: Callable[[AssistanceRequest], None]
    ) -> Recorded[AssistanceRequest]:
        """Load, change, save; on a concurrent change, redo it on the newer state."""
        for _ in range(_RETRIES_ON_CONFLICT):
            request = self.get_request(request_id)
            change(request)
            try:
                return Recorded(request, self._save(request))
            except IntegrityError:
                continue
        msg = f"assistance request {request_id} kept changing; try again"
        raise Conflict(msg)

    def _save(self, *aggregates: Any) -> int:
        recordings = self.save(*aggregates)
        return recordings[-1].notification.id
