"""Authentication, rate limits and the access policy for REST routes: the same principals, buckets
and table as GraphQL. Every authenticated route depends on ``allowed``, so none escapes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from services.api.admission import Admission
from services.bootstrap import Runtime
from services.identity.access import Forbidden, Principal, Unauthenticated, authorise


def allowed(route: str) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the caller's principal, within its rate, if the policy lets it use
    ``route``. Raises RateLimited (answered 429 by the app) for a caller over its rate."""

    async def dependency(request: Request) -> Principal:
        runtime: Runtime = request.app.state.runtime
        admission: Admission = request.app.state.admission
        try:
            principal = await admission.admit(
                runtime.authenticator,
                request.headers.get("authorization"),
                request.headers.get("x-api-key"),
                request.client.host if request.client else None,
            )
            authorise(principal, route)
        except Unauthenticated as error:
            raise HTTPException(
                401, str(error), headers={"WWW-Authenticate": 'Bearer realm="concord"'}
            ) from None
        except Forbidden as error:
            raise HTTPException(403, str(error)) from None
        return principal

    return dependency
