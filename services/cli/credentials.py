"""``concord token`` and ``apikey``: development tokens and service-account API keys."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from domain.access import Actor, Role
from domain.codes import MemberState
from domain.errors import InvalidTransition
from services.errors import NotFound
from services.identity.access import Unauthenticated
from services.identity.authentication import dev_signer
from services.settings import Settings

OPERATOR = Actor(principal="operator:cli", role="operator", scope="any")


def token(
    role: Annotated[Role, typer.Option(help="coordinator, donor, secretariat or viewer")],
    state: Annotated[MemberState | None, typer.Option(help="the coordinator's member state (ISO3)")] = None,
    org: Annotated[str | None, typer.Option(help="the donor's organisation id")] = None,
    subject: Annotated[
        str | None, typer.Option(help="who the token names (sub); by default one per role and scope")
    ] = None,
    hours: Annotated[float, typer.Option(help="how long the token is valid")] = 8.0,
) -> None:
    """Print a token from the development signer, which the local server accepts."""
    settings = Settings()
    try:
        signer = dev_signer(settings)
        organisation = UUID(org) if org else None
        typer.echo(
            signer.issue(
                subject=subject or dev_subject(role, state, organisation),
                role=role,
                member_state=state,
                organisation_id=organisation,
                ttl=int(hours * 3600),
            )
        )
    except (ValueError, Unauthenticated) as error:
        typer.echo(f"concord token: {error}", err=True)
        raise typer.Exit(2) from None


def dev_subject(role: Role, state: MemberState | None, organisation: UUID | None) -> str:
    """``dev-donor-<org>``: a subject of its own for each role and scope, so that two development
    principals never pass for one (in the audit trail, the event feed or anywhere a subject shows)."""
    return "-".join(
        ["dev", role.value, *([state.value] if state else []), *([str(organisation)] if organisation else [])]
    )


def apikey_create(
    name: Annotated[str, typer.Option(help="what the key is for, e.g. 'PHL logistics feed'")],
    role: Annotated[Role, typer.Option(help="the role the key acts in")],
    state: Annotated[MemberState | None, typer.Option(help="member state, for a coordinator")] = None,
    org: Annotated[str | None, typer.Option(help="organisation id, for a donor")] = None,
) -> None:
    """Issue a key; it is printed once and never stored."""
    from services.coordination import Concord  # noqa: PLC0415
    from services.infrastructure.storage import storage_for  # noqa: PLC0415 - concord token starts without the event store

    concord = Concord(storage_for(Settings()).event_store_env)
    try:
        issued = concord.issue_api_key(
            OPERATOR,
            name=name,
            role=role,
            member_state=state,
            organisation_id=UUID(org) if org else None,
        )
    except (ValueError, Unauthenticated) as error:
        typer.echo(f"concord apikey create: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        concord.close()
    typer.echo(f"account {issued.account_id}")
    typer.echo(issued.key)


def apikey_revoke(account: Annotated[str, typer.Argument(help="the account id printed at creation")]) -> None:
    """Revoke a key at once: requests with it are refused from now on."""
    from services.coordination import Concord  # noqa: PLC0415
    from services.infrastructure.storage import storage_for  # noqa: PLC0415

    concord = Concord(storage_for(Settings()).event_store_env)
    try:
        concord.revoke_api_key(OPERATOR, UUID(account))
    except (ValueError, NotFound, InvalidTransition) as error:
        typer.echo(f"concord apikey revoke: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        concord.close()
    typer.echo(f"revoked {account}")
