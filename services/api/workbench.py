"""The workbench at /workbench/: the pages where coordinators, donors and the secretariat work.

The pages and their scripts (``services/web/``) are public, as the dashboard's are; every data
call carries the user's token. With ``CONCORD_AUTH_CLIENT_ID`` the pages sign in at the identity
provider (code flow with PKCE, in the browser), so their policy lets them reach its origin. In
development a sign-in page mints tokens with the development signer; in production neither that
page nor its endpoint exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

import services.web
from domain.access import Role
from domain.codes import MemberState, Sector
from services.api.dashboard import MEDIA_TYPES, page_headers, static_file
from services.identity.access import Unauthenticated
from services.identity.authentication import dev_signer
from services.settings import Settings

WEB_DIR = Path(services.web.__file__).resolve().parent
PAGES = {"": "index.html", "needs": "needs.html", "needs/new": "post-need.html"}
PAGES |= {"safe-havens": "havens.html", "movements": "movements.html", "incidents": "incidents.html"}
PAGES |= {"offers": "offers.html", "could-serve": "could-serve.html"}  # the donor's
PAGES |= {"deliveries": "deliveries.html", "pledges": "pledges.html"}
PAGES |= {"fund": "fund.html", "projects": "projects.html", "projects/project": "project.html"}
PAGES |= {"crises": "crises.html", "organisations": "organisations.html"}
PAGES |= {"desk": "desk.html", "rounds": "rounds.html"}
PAGES["need"] = "need.html"  # one need: amend, cancel (?id=)
PAGES["decisions"] = "decisions.html"  # proposals to accept or decline, deliveries to record
PAGES["import"] = "import.html"  # a spreadsheet of needs or offers: preview, then post
PAGES["history"] = "history.html"  # any object's history and the object as it stood (?kind=&id=)
PAGES["api-keys"] = "api-keys.html"  # keys for one's own integrations: issue, list, revoke
DEV_PAGES = {"sign-in": "sign-in.html"}
OPENID_PAGES = {"signed-in": "signed-in.html", "signed-out": "signed-out.html"}
VENDOR_DIR = WEB_DIR / "vendor"
DEV_TOKEN_HOURS = 8


class DevSignIn(BaseModel):
    """Whom the development token names: the role and, as the role needs, its state or organisation."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    member_state: MemberState | None = Field(default=None, alias="memberState")
    organisation_id: UUID | None = Field(default=None, alias="organisationId")


def codes() -> dict[str, Any]:
    """The code lists the forms offer, by their GraphQL enum names, from the domain's own tables."""
    return {
        "memberStates": [
            {"code": state.name, "name": state.label, "pcodePrefixes": [state.iso2, state.value]}
            for state in MemberState
        ],
        "sectors": [{"code": sector.name, "name": sector.label} for sector in Sector],
    }


def sign_in(settings: Settings) -> dict[str, Any]:
    """How the pages sign in: at the OpenID Connect provider, on the development page, or not at all."""
    if settings.auth_client_id and settings.auth_issuer:
        return {
            "signIn": "openid",
            "issuer": settings.auth_issuer,
            "clientId": settings.auth_client_id,
            "scopes": settings.auth_scopes,
        }
    if settings.dev_signer_enabled and not settings.is_production:
        return {"signIn": "development"}
    return {"signIn": None}


def _page(file: str, headers: dict[str, str]) -> Any:
    async def serve() -> FileResponse:
        return FileResponse(WEB_DIR / file, media_type=MEDIA_TYPES[".html"], headers=headers)

    return serve


def _assets(directory: Path, headers: dict[str, str]) -> Any:
    async def asset(name: str) -> FileResponse:
        return static_file(directory, name, headers)

    return asset


async def code_lists() -> JSONResponse:
    return JSONResponse(codes(), headers={"Cache-Control": "no-cache"})


async def home() -> RedirectResponse:
    return RedirectResponse("/workbench/", status_code=308)


def headers_for(settings: Settings) -> dict[str, str]:
    """The pages' headers: their policy lets them reach the identity provider where they sign in
    there (the dashboard's too, which renews its token the same way)."""
    origin = settings.issuer_origin
    if origin is None or sign_in(settings)["signIn"] != "openid":
        return page_headers()
    return page_headers(connect_to=(origin,))


def install(app: FastAPI, settings: Settings) -> None:
    """The pages, their assets and code lists; each sign-in's pages only where it may exist."""
    config = sign_in(settings)
    headers = headers_for(settings)

    async def sign_in_config() -> JSONResponse:
        return JSONResponse(config, headers={"Cache-Control": "no-cache"})

    def add_page(path: str, file: str) -> None:
        app.add_api_route(
            f"/workbench/{path}", _page(file, headers), methods=["GET"], include_in_schema=False
        )

    app.add_api_route("/workbench", home, methods=["GET"], include_in_schema=False)
    for path, file in PAGES.items():
        add_page(path, file)
    for prefix, directory in (("static", WEB_DIR), ("vendor", VENDOR_DIR)):
        route = f"/workbench/{prefix}/{{name}}"
        app.add_api_route(route, _assets(directory, headers), methods=["GET"], include_in_schema=False)
    app.add_api_route("/workbench/codes.json", code_lists, methods=["GET"], include_in_schema=False)
    app.add_api_route("/workbench/config.json", sign_in_config, methods=["GET"], include_in_schema=False)
    for path, file in OPENID_PAGES.items():
        add_page(path, file)
    if settings.is_production or not settings.dev_signer_enabled:
        return
    for path, file in DEV_PAGES.items():
        add_page(path, file)
    signer = dev_signer(settings)

    async def dev_token(sign_in: DevSignIn) -> JSONResponse:
        """A token of the development signer, as ``concord token`` prints one."""
        scope = sign_in.member_state.value if sign_in.member_state else sign_in.organisation_id
        try:
            token = signer.issue(
                subject=f"dev-{sign_in.role.value}{f'-{scope}' if scope else ''}",
                role=sign_in.role,
                member_state=sign_in.member_state,
                organisation_id=sign_in.organisation_id,
                ttl=DEV_TOKEN_HOURS * 3600,
            )
        except Unauthenticated as error:
            raise HTTPException(422, str(error)) from None
        return JSONResponse(
            {"accessToken": token, "tokenType": "Bearer", "expiresIn": DEV_TOKEN_HOURS * 3600},
            headers={"Cache-Control": "no-store"},
        )

    app.add_api_route("/workbench/dev/token", dev_token, methods=["POST"], include_in_schema=False)
