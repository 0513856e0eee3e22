"""How values that JSON lacks are written into stored events."""

from __future__ import annotations

import dataclasses
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
        if data.keys() == _ACTOR_FIELD_SET:
            # Every field given: the instance Actor(**data) would be, without the frozen __init__'s
            # object.__setattr__ per field (every stored event has an actor; a rebuild reads them all).
            # The parsed object is the decoder's own, made for this value: it becomes the fields.
            actor = object.__new__(Actor)
            object.__setattr__(actor, "__dict__", data)
            return actor
        return Actor(**data)  # type: ignore[arg-type]


_ACTOR_FIELDS = tuple(field.name for field in dataclasses.fields(Actor))
_ACTOR_FIELD_SET = frozenset(_ACTOR_FIELDS)
