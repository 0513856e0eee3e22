"""Authentication and the access policy for REST routes: the same principals and table as GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from services.access import Forbidden, Principal, Unauthenticated, authorise
from services.bootstrap import Runtime
from services.deadlines import in_thread


def allowed(route: str) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the caller's principal, if the policy lets it use ``route``."""

    async def dependency(request: Request) -> Principal:
        runtime: Runtime = request.app.state.runtime
        authorization = request.headers.get("authorization")
        api_key = request.headers.get("x-api-key")
        try:
            principal = runtime.authenticator.remembered(authorization, api_key)
            if principal is None:
                principal = await in_thread(
                    runtime.settings.command_db_timeout,
                    runtime.authenticator.authenticate,
                    authorization,
                    api_key,
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
