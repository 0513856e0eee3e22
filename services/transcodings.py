"""How values that JSON lacks are written into stored events."""

from __future__ import annotations

from datetime import date

from eventsourcing.persistence import Transcoding

from domain.access import Actor


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    """Audit metadata, as a plain JSON object inside each stored event."""

    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str | None]:
        return obj.as_dict()

    def decode(self, data: dict[str, str | None]) -> Actor:
        return Actor(**data)  # type: ignore[arg-type]
