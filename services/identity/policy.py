"""The access policy: one table of who may do what, over what.

Every GraphQL query field, mutation and REST route has an entry; an operation without one is
refused (services.identity.access decides), and a test walks the schema and the OpenAPI document to
keep the table complete.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from domain.access import Role


class Scope(enum.Enum):
    OWN_STATE = "own-state"
    OWN_ORGANISATION = "own-organisation"
    OWN = "own"  # what the principal itself made (its API keys), in its role and scope
    ANY = "any"


Rule = Mapping[Role, Scope]

_EVERYONE: Rule = dict.fromkeys(Role, Scope.ANY)
_SECRETARIAT: Rule = {Role.SECRETARIAT: Scope.ANY}
_COORDINATOR_OWN_STATE: Rule = {Role.COORDINATOR: Scope.OWN_STATE}
_NEED_TO_KNOW: Rule = {Role.COORDINATOR: Scope.OWN_STATE, Role.SECRETARIAT: Scope.ANY}
_DONOR_OWN_ORGANISATION: Rule = {Role.DONOR: Scope.OWN_ORGANISATION}
_OFFERING_PARTY: Rule = {Role.COORDINATOR: Scope.OWN_STATE, Role.DONOR: Scope.OWN_ORGANISATION}
_HOST_STATE_OR_SECRETARIAT: Rule = {Role.COORDINATOR: Scope.OWN_STATE, Role.SECRETARIAT: Scope.ANY}
_PROJECT_REPORTERS: Rule = {**_HOST_STATE_OR_SECRETARIAT, Role.DONOR: Scope.OWN_ORGANISATION}
_ISSUER_OR_SECRETARIAT: Rule = {**dict.fromkeys(Role, Scope.OWN), Role.SECRETARIAT: Scope.ANY}
#: Who made a change to an object: its own state or organisation, and the secretariat.
_OWNERS_OR_SECRETARIAT: Rule = {
    Role.COORDINATOR: Scope.OWN_STATE,
    Role.DONOR: Scope.OWN_ORGANISATION,
    Role.SECRETARIAT: Scope.ANY,
}
PUBLIC = "public"

#: operation → which roles may use it, and over what. Keys: "query.<field>", "mutation.<field>",
#: "subscription.<field>", "<Type>.<field>" for guarded object fields, "<METHOD> <path>" for
#: REST routes (WEBSOCKET for WebSocket routes).
POLICY: dict[str, Rule | str] = {
    "mutation.openCrisis": _SECRETARIAT,
    "mutation.changeCrisisPhase": _SECRETARIAT,
    "mutation.closeCrisis": _SECRETARIAT,
    "mutation.postRequest": _COORDINATOR_OWN_STATE,
    "mutation.amendRequest": _COORDINATOR_OWN_STATE,
    "mutation.cancelRequest": _COORDINATOR_OWN_STATE,
    "mutation.linkRequestToSafeHaven": _COORDINATOR_OWN_STATE,
    # Offers come from a donor organisation or from a member state (its coordinators).
    "mutation.postOffer": _OFFERING_PARTY,
    "mutation.withdrawOffer": _OFFERING_PARTY,
    # A match is proposed by a coordinator, the secretariat or the donor whose offer it uses;
    # the requesting state accepts, the offering party confirms and dispatches.
    "mutation.proposeMatch": {
        Role.COORDINATOR: Scope.ANY,
        Role.SECRETARIAT: Scope.ANY,
        Role.DONOR: Scope.OWN_ORGANISATION,
    },
    "mutation.acceptMatch": _COORDINATOR_OWN_STATE,
    "mutation.recordDelivery": _COORDINATOR_OWN_STATE,
    "mutation.confirmMatch": _OFFERING_PARTY,
    "mutation.dispatchMatch": _OFFERING_PARTY,
    "mutation.declineMatch": _OFFERING_PARTY,  # either party: the requesting state or the offerer
    "mutation.cancelMatch": {**_OFFERING_PARTY, Role.SECRETARIAT: Scope.ANY},
    # Money: donors pledge for their own organisation; the secretariat runs the fund.
    "mutation.makePledge": _DONOR_OWN_ORGANISATION,
    "mutation.commitPledge": _DONOR_OWN_ORGANISATION,
    "mutation.cancelPledge": _DONOR_OWN_ORGANISATION,
    "mutation.recordPayment": {**_DONOR_OWN_ORGANISATION, Role.SECRETARIAT: Scope.ANY},
    "mutation.refundPayment": _SECRETARIAT,
    "mutation.openFund": _SECRETARIAT,
    "mutation.allocateFromFund": _SECRETARIAT,
    "mutation.disburse": _SECRETARIAT,
    "query.pledge": _EVERYONE,
    "query.fund": _EVERYONE,
    "query.pledges": _EVERYONE,
    "query.funds": _EVERYONE,
    "query.flows": _EVERYONE,
    "query.flowsConnection": _EVERYONE,
    "query.flowTotals": _EVERYONE,
    # Safe havens are run by the host state's coordinators.
    "mutation.designateSafeHaven": _COORDINATOR_OWN_STATE,
    "mutation.admitToSafeHaven": _COORDINATOR_OWN_STATE,
    "mutation.recordDeparture": _COORDINATOR_OWN_STATE,
    "mutation.changeSafeHavenStatus": _COORDINATOR_OWN_STATE,
    "query.safeHavens": _EVERYONE,
    "query.safeHaven": _EVERYONE,
    # Need to know: where exactly people shelter is for the host state and the secretariat;
    # everyone else sees the admin-1 area only (these fields resolve to null for them).
    "SafeHaven.location": _NEED_TO_KNOW,
    "SafeHaven.adminCode": _NEED_TO_KNOW,
    # Movements: either state may plan one (the one people leave or the one receiving them);
    # only the receiving state approves it and records its arrival.
    "mutation.planMovement": _NEED_TO_KNOW,
    "mutation.confirmVoluntariness": _NEED_TO_KNOW,
    "mutation.approveMovement": _COORDINATOR_OWN_STATE,
    "mutation.startMovement": _COORDINATOR_OWN_STATE,
    "mutation.recordArrival": _COORDINATOR_OWN_STATE,
    "mutation.postponeMovement": _NEED_TO_KNOW,
    "mutation.cancelMovement": _NEED_TO_KNOW,
    "mutation.recordDisplacementFigures": _NEED_TO_KNOW,
    "query.movements": _EVERYONE,
    "query.movementsConnection": _EVERYONE,
    "query.movement": _EVERYONE,
    "query.displacement": _EVERYONE,
    # The exact areas a movement leaves and reaches may be a safe haven's: need to know.
    "Movement.originAdminCode": _NEED_TO_KNOW,
    "Movement.destinationAdminCode": _NEED_TO_KNOW,
    # Relief-worker safety: the state where it happened, any organisation working there, or the
    # secretariat reports; the state or the secretariat closes an incident and clears a dispatch.
    "mutation.reportIncident": {**_NEED_TO_KNOW, Role.DONOR: Scope.ANY},
    "mutation.closeIncident": _NEED_TO_KNOW,
    "mutation.clearForSecurity": _NEED_TO_KNOW,
    "query.incidents": _EVERYONE,
    "query.incidentsConnection": _EVERYONE,
    "query.riskLevels": _EVERYONE,
    # What happened to whom is for those working there; viewers see kind, severity and area.
    "SecurityIncident.description": {**_NEED_TO_KNOW, Role.DONOR: Scope.ANY},
    "SecurityIncident.affectedOrganisations": {**_NEED_TO_KNOW, Role.DONOR: Scope.ANY},
    "query.whoWhatWhere": _EVERYONE,
    # Reconstruction projects belong to the host state: its coordinators and the secretariat
    # register them and decide their status; the implementing organisations report on them.
    "mutation.registerProject": _HOST_STATE_OR_SECRETARIAT,
    "mutation.changeProjectStatus": _HOST_STATE_OR_SECRETARIAT,
    "mutation.planMilestone": _PROJECT_REPORTERS,
    "mutation.recordMilestone": _PROJECT_REPORTERS,
    "mutation.defineResult": _PROJECT_REPORTERS,
    "mutation.recordResult": _PROJECT_REPORTERS,
    "query.projects": _EVERYONE,
    "query.project": _EVERYONE,
    # API keys for one's own integrations: a key acts as whoever issued it (the same role, state
    # or organisation; the command refuses anything wider). Its issuer sees and revokes it; the
    # secretariat sees and revokes any.
    "mutation.issueApiKey": {
        Role.COORDINATOR: Scope.OWN_STATE,
        Role.DONOR: Scope.OWN_ORGANISATION,
        Role.SECRETARIAT: Scope.ANY,
        Role.VIEWER: Scope.ANY,
    },
    "mutation.revokeApiKey": _ISSUER_OR_SECRETARIAT,
    "query.apiKeys": _ISSUER_OR_SECRETARIAT,
    "mutation.registerOrganisation": _SECRETARIAT,
    "mutation.suspendOrganisation": _SECRETARIAT,
    "mutation.reinstateOrganisation": _SECRETARIAT,
    "query.request": _EVERYONE,
    "query.requests": _EVERYONE,
    # Exact admin areas of live requests, before posting one: the state's own and the secretariat.
    "query.possibleDuplicates": _NEED_TO_KNOW,
    "query.organisation": _EVERYONE,
    "query.organisations": _EVERYONE,
    "query.me": _EVERYONE,
    "query.crises": _EVERYONE,
    "query.crisis": _EVERYONE,
    "query.items": _EVERYONE,
    "query.adminAreas": _EVERYONE,  # OCHA's published gazetteer: nothing of anyone's own
    "query.offers": _EVERYONE,
    "query.offer": _EVERYONE,
    "query.matches": _EVERYONE,
    "query.match": _EVERYONE,
    "query.coverage": _EVERYONE,
    # The matcher: the secretariat runs rounds; a coordinator asks suggestions for its own
    # state's requests; a donor for any request, seeing only its own organisation's offers.
    "mutation.runAllocationRound": _SECRETARIAT,
    "query.allocationRounds": _SECRETARIAT,  # the list the secretariat opens a round from
    "query.allocationRound": {
        Role.COORDINATOR: Scope.ANY,
        Role.DONOR: Scope.ANY,
        Role.SECRETARIAT: Scope.ANY,
    },
    "query.matchSuggestions": {
        Role.COORDINATOR: Scope.OWN_STATE,
        Role.DONOR: Scope.OWN_ORGANISATION,
        Role.SECRETARIAT: Scope.ANY,
    },
    # The same score from the offering party's side: the open needs its own offers could serve.
    "query.needSuggestions": _OFFERING_PARTY,
    # Who changed a request is for its own state's coordinators and the secretariat.
    "AssistanceRequest.history": {Role.COORDINATOR: Scope.OWN_STATE, Role.SECRETARIAT: Scope.ANY},
    # Any other object's history is for whoever may read the object (its query entry), each change
    # as they may see the object (its need-to-know fields and small counts withheld as there);
    # who made a change is for the object's own state or organisation and the secretariat.
    "SafeHaven.history": _EVERYONE,
    "SafeHavenChange.actor": _NEED_TO_KNOW,
    "Crisis.history": _EVERYONE,
    "Offer.history": _EVERYONE,
    "Match.history": _EVERYONE,
    "Pledge.history": _EVERYONE,
    "Fund.history": _EVERYONE,
    "Movement.history": _EVERYONE,
    "Project.history": _EVERYONE,
    "Change.actor": _OWNERS_OR_SECRETARIAT,
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,  # no caller's or object's data in it; keep it on the internal network
    # The event feed: each event type as its aggregate's query entry says (services.api.feed).
    "GET /events": _EVERYONE,
    "GET /exports/requests.csv": _EVERYONE,
    "GET /exports/offers.csv": _EVERYONE,
    "GET /exports/coverage.csv": _EVERYONE,
    # Exact locations are left blank for those without need-to-know (as SafeHaven.location).
    "GET /exports/safe-havens.csv": _EVERYONE,
    "GET /exports/flows.csv": _EVERYONE,
    "GET /exports/movements.csv": _EVERYONE,
    "GET /exports/3w.csv": _EVERYONE,
    "GET /exports/iati.xml": _EVERYONE,
    # Uploads: each row is then its own command, decided by that command's entry.
    "POST /imports/requests": _COORDINATOR_OWN_STATE,
    "POST /imports/offers": _OFFERING_PARTY,
    "GET /graphql": PUBLIC,  # GraphiQL; each operation is then decided by its own entry
    "POST /graphql": PUBLIC,
    # Live updates: graphql-transport-ws; the connection authenticates, each operation is decided
    # by its own entry.
    "WEBSOCKET /graphql": PUBLIC,
    "subscription.changes": _EVERYONE,
    # The dashboard's page, its scripts and the named operations it runs are public; the data
    # each operation reads is not (the page sends the user's token with every operation).
    "GET /": PUBLIC,
    "GET /static/{name}": PUBLIC,
    "GET /static/graphiql/{name}": PUBLIC,  # GraphiQL's files (development only)
    "GET /operations/{name}.graphql": PUBLIC,
    # The workbench's pages, scripts and code lists are public like the dashboard's; every command
    # and read they make is decided by its own entry. The development sign-in mints tokens only
    # where it exists (development, with the development signer on).
    "GET /workbench": PUBLIC,
    "GET /workbench/": PUBLIC,
    "GET /workbench/static/{name}": PUBLIC,
    "GET /workbench/codes.json": PUBLIC,
    "GET /workbench/sign-in": PUBLIC,
    "POST /workbench/dev/token": PUBLIC,
    "GET /workbench/needs": PUBLIC,
    "GET /workbench/needs/new": PUBLIC,
    "GET /workbench/need": PUBLIC,
    "GET /workbench/decisions": PUBLIC,
    "GET /workbench/history": PUBLIC,
    "GET /workbench/safe-havens": PUBLIC,
    "GET /workbench/movements": PUBLIC,
    "GET /workbench/incidents": PUBLIC,
    "GET /workbench/offers": PUBLIC,
    "GET /workbench/could-serve": PUBLIC,
    "GET /workbench/deliveries": PUBLIC,
    "GET /workbench/pledges": PUBLIC,
    "GET /workbench/crises": PUBLIC,
    "GET /workbench/organisations": PUBLIC,
    "GET /workbench/desk": PUBLIC,
    "GET /workbench/rounds": PUBLIC,
    "GET /workbench/fund": PUBLIC,
    "GET /workbench/projects": PUBLIC,
    "GET /workbench/projects/project": PUBLIC,
    "GET /workbench/import": PUBLIC,
    "GET /workbench/api-keys": PUBLIC,
    # The workbench's sign-in: how its pages sign in, the client library, the provider's way back.
    "GET /workbench/config.json": PUBLIC,
    "GET /workbench/vendor/{name}": PUBLIC,
    "GET /workbench/signed-in": PUBLIC,
    "GET /workbench/signed-out": PUBLIC,
}

#: "<Type>.<field>" entries: object fields checked with the object's owner as they resolve.
GUARDED_FIELDS = frozenset(
    key for key in POLICY if " " not in key and key.split(".")[0] not in ("query", "mutation", "subscription")
)
#: Guarded fields that resolve to null, rather than an error, for those without need-to-know.
REDACTED_FIELDS = frozenset(
    {
        "SafeHaven.location",
        "SafeHaven.adminCode",
        "SecurityIncident.description",
        "Movement.originAdminCode",
        "Movement.destinationAdminCode",
        "SecurityIncident.affectedOrganisations",
        "SafeHavenChange.actor",
        "Change.actor",
    }
)


#: Counts of people a viewer sees only from 5 up (projections.disclosure); each maps to the
#: counts it is derived from, which withhold it too. A movement's people and sex-and-age cells,
#: one row with its total, are disclosed together by their resolvers.
SMALL_COUNTS: dict[str, tuple[str, ...]] = {
    "SafeHaven.occupancy": (),
    "SafeHaven.reserved": (),
    "SafeHaven.available": ("occupancy", "reserved"),
    "Movement.peopleArrived": (),
    "DisplacementFigures.displaced": (),
    "DisplacementFigures.returned": (),
    "DisplacementFigures.resettled": (),
}
