"""Who is asking, and whether they may ask now: one gate for GraphQL (HTTP and WebSocket) and REST.

Each principal has a token bucket; so has each client address for its failed authentications, so
that a flood of garbage credentials is slowed down (429) like any other flood, while valid
credentials sent from the same address go on.
"""

from __future__ import annotations

import math

from services.api.ratelimit import RateLimiter
from services.identity.access import Principal, Unauthenticated
from services.identity.authentication import Authenticator
from services.infrastructure.deadlines import in_thread
from services.settings import Settings


class RateLimited(Exception):
    """Too many requests (or failed authentications) just now: retry after ``retry_after`` s."""

    def __init__(self, wait: float) -> None:
        super().__init__("too many requests; slow down")
        self.retry_after = max(1, math.ceil(wait))


class Admission:
    def __init__(self, principals: RateLimiter, failures: RateLimiter, db_timeout: float) -> None:
        self._principals = principals
        self._failures = failures
        self._db_timeout = db_timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Admission:
        """Each API process counts its own requests: the limits are shared out among them
        (connections are spread over the processes by the kernel, so a caller's share is about even)."""

        def share(limit: int) -> int:
            return max(1, limit // settings.workers)

        return cls(
            RateLimiter(share(settings.rate_limit_per_minute), share(settings.rate_limit_burst)),
            RateLimiter(
                share(settings.rate_limit_failed_auth_per_minute),
                share(settings.rate_limit_failed_auth_burst),
            ),
            settings.command_db_timeout,
        )

    async def admit(
        self,
        authenticator: Authenticator,
        authorization: str | None,
        api_key: str | None,
        address: str | None,
    ) -> Principal:
        """The caller's principal, within its rate. Raises Unauthenticated, or RateLimited once
        ``address`` has failed too often (before the principal is known, its address is all there is)."""
        try:
            principal = authenticator.remembered(authorization, api_key)
            if principal is None:
                # An API key is looked up in the event store: bounded like a command's wait for it.
                principal = await in_thread(
                    self._db_timeout, authenticator.authenticate, authorization, api_key
                )
        except Unauthenticated:
            wait = self._failures.wait_needed(address or "unknown")
            if wait > 0:
                raise RateLimited(wait) from None
            raise
        self.check(principal)
        return principal

    def check(self, principal: Principal) -> None:
        """Take one request from the principal's bucket; RateLimited when it is empty."""
        wait = self._principals.wait_needed(principal.identity)
        if wait > 0:
            raise RateLimited(wait)
