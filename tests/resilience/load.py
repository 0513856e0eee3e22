"""Load from a few client threads, each command with its own Idempotency-Key; what was acknowledged.

A command is acknowledged when the API answered 200 without errors. Anything else (503 while the
database is down, a connection the dying server dropped) leaves it unacknowledged: a client
retries those with the same key, and the store must hold each command exactly once either way.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import create_engine, select

from projections.assistance_requests.tables import assistance_requests
from services.coordination import Concord
from services.infrastructure.storage import storage_for
from services.settings import Settings
from tests.factories import post_request_input

POST = "mutation($i: PostRequestInput!) { postRequest(input: $i) { position request { id title } } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer at all (refused, reset)
    code: str | None = None
    retry_after: str | None = None
    request_id: str | None = None
    position: int | None = None
    sent: float = 0.0  # time.monotonic() when it was sent
    elapsed: float = 0.0  # seconds from sending to the answer


def post_request(base: str, token: str, crisis: str, key: str, timeout: float = 15) -> Answer:
    variables = {"i": post_request_input(crisisId=crisis, title=f"load {key}")}
    headers = {"Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {token}", "Idempotency-Key": key}
    sent = time.monotonic()
    try:
        response = httpx.post(
            f"{base}/graphql", json={"query": POST, "variables": variables}, headers=headers, timeout=timeout
        )
    except httpx.TransportError:
        return Answer(None, sent=sent, elapsed=time.monotonic() - sent)
    elapsed = time.monotonic() - sent
    body: dict[str, Any] = response.json()
    errors = body.get("errors") or [{}]
    if response.status_code == 200 and "errors" not in body:
        posted = body["data"]["postRequest"]
        return Answer(200, None, None, posted["request"]["id"], int(posted["position"]), sent, elapsed)
    code = body.get("code") or errors[0].get("extensions", {}).get("code")
    return Answer(response.status_code, code, response.headers.get("retry-after"), sent=sent, elapsed=elapsed)


@dataclass
class CommandLoad:
    """Client threads posting requests against one or more API processes until stopped."""

    bases: Sequence[str]
    token: str
    crisis: str
    threads: int = 3
    pause_on_refusal: float = 0.0  # seconds a client waits after a refusal before its next command
    acknowledged: dict[str, Answer] = field(default_factory=dict)
    refused: list[tuple[str, Answer]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)
    _acks: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> None:
        self._workers = [
            threading.Thread(target=self._work, args=(i,), daemon=True) for i in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(30)

    def _work(self, index: int) -> None:
        for count in itertools.count():
            if self._stop.is_set():
                return
            key = f"load-{index}-{count}-{uuid.uuid4().hex[:8]}"
            base = self.bases[count % len(self.bases)]
            answer = post_request(base, self.token, self.crisis, key)
            with self._acks:
                if answer.status == 200:
                    self.acknowledged[key] = answer
                    self._acks.notify_all()
                else:
                    self.refused.append((key, answer))
            if answer.status is None:
                self._stop.wait(0.1)  # the server is gone; do not spin
            elif answer.status != 200:
                self._stop.wait(self.pause_on_refusal)

    def wait_for_acknowledgements(self, count: int, timeout: float) -> bool:
        """True once ``count`` commands were acknowledged in all."""
        with self._acks:
            return self._acks.wait_for(lambda: len(self.acknowledged) >= count, timeout)

    def unacknowledged(self) -> list[str]:
        return [key for key, _ in self.refused if key not in self.acknowledged]


def retry_until_acknowledged(load: CommandLoad, base: str, keys: Sequence[str], attempts: int = 20) -> None:
    """What a client does with a command that got no acknowledgement: send it again, same key."""
    for key in keys:
        for _ in range(attempts):
            answer = post_request(base, load.token, load.crisis, key)
            if answer.status == 200:
                load.acknowledged[key] = answer
                break
        else:
            msg = f"{key} was never acknowledged"
            raise AssertionError(msg)


def titles_in_the_event_store(concord: Concord) -> Counter[str]:
    """How many times each request title was posted, read from the log itself."""
    titles: Counter[str] = Counter()
    start = 0
    while notifications := concord.recorder.select_notifications(start, 1000, inclusive_of_start=False):
        for notification in notifications:
            if notification.topic.endswith("AssistanceRequest.Posted"):
                titles[concord.mapper.to_domain_event(notification).title] += 1
        start = notifications[-1].id
    return titles


def _read_model_column(settings: Settings, column: str) -> list[Any]:
    engine = create_engine(storage_for(settings).migration_url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(select(assistance_requests.c[column]))]
    finally:
        engine.dispose()


def titles_in_the_read_model(settings: Settings) -> Counter[str]:
    return Counter(_read_model_column(settings, "title"))


def request_ids_in_the_read_model(settings: Settings) -> list[str]:
    return [str(value) for value in _read_model_column(settings, "id")]
