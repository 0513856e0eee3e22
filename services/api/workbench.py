"""The workbench at /workbench/: the pages where coordinators, donors and the secretariat work.

The pages and their scripts (``services/web/``) are public, as the dashboard's are; every data
call carries the user's token. In development a sign-in page mints tokens with the development
signer; in production neither that page nor its endpoint exists.
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
from services.access import Unauthenticated
from services.api.dashboard import MEDIA_TYPES, PAGE_HEADERS, static_file
from services.authentication import dev_signer
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
DEV_PAGES = {"sign-in": "sign-in.html"}
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


def _page(file: str) -> Any:
    async def serve() -> FileResponse:
        return FileResponse(WEB_DIR / file, media_type=MEDIA_TYPES[".html"], headers=PAGE_HEADERS)

    return serve


async def asset(name: str) -> FileResponse:
    return static_file(WEB_DIR, name, PAGE_HEADERS)


async def code_lists() -> JSONResponse:
    return JSONResponse(codes(), headers={"Cache-Control": "no-cache"})


async def home() -> RedirectResponse:
    return RedirectResponse("/workbench/", status_code=308)


def install(app: FastAPI, settings: Settings) -> None:
    """The pages, their assets and code lists; the development sign-in only where it may exist."""
    app.add_api_route("/workbench", home, methods=["GET"], include_in_schema=False)
    for path, file in PAGES.items():
        app.add_api_route(f"/workbench/{path}", _page(file), methods=["GET"], include_in_schema=False)
    app.add_api_route("/workbench/static/{name}", asset, methods=["GET"], include_in_schema=False)
    app.add_api_route("/workbench/codes.json", code_lists, methods=["GET"], include_in_schema=False)
    if settings.is_production or not settings.dev_signer_enabled:
        return
    for path, file in DEV_PAGES.items():
        app.add_api_route(f"/workbench/{path}", _page(file), methods=["GET"], include_in_schema=False)
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
