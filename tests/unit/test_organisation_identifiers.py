"""An organisation keeps its IATI organisation identifier, where it has one, for the IATI export; one
registered before identifiers were kept reads back without one."""

from __future__ import annotations

import json

import pytest
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidInput
from domain.organisations import Organisation, OrganisationType
from services.coordination import Concord
from services.infrastructure.eventsourcing_internals import fast_decoder
from tests.snapshot_scenarios import ACTOR

APP = Concord({"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_an_iati_identifier_is_kept_and_none_is_none() -> None:
    jica = Organisation.register(
        "JICA", OrganisationType.DIALOGUE_PARTNER, iati_identifier=" XM-DAC-701-8 ", actor=ACTOR
    )
    relief = Organisation.register("Acme Relief", OrganisationType.NGO, actor=ACTOR)

    assert (jica.iati_identifier, relief.iati_identifier) == ("XM-DAC-701-8", None)


@pytest.mark.parametrize(
    "given", ["JICA", "xm-dac-701-8", "XM-DAC-", "XM-DAC-701 8", "XM-DAC-701/8", "X" * 101]
)
def test_what_is_not_an_iati_organisation_identifier_is_refused(given: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Organisation.register("JICA", OrganisationType.DIALOGUE_PARTNER, iati_identifier=given, actor=ACTOR)

    assert refused.value.field == "iatiIdentifier"


def test_a_registration_stored_before_identifiers_were_kept_reads_back_without_one() -> None:
    [registered] = Organisation.register("Acme Relief", OrganisationType.NGO, actor=ACTOR).collect_events()
    stored = APP.mapper.to_stored_event(registered)
    state = json.loads(stored.state)
    del state["iati_identifier"], state["class_version"]  # as version 1 of the event was stored
    old = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )

    read = [APP.mapper.to_domain_event(old), fast_decoder(APP.mapper)(old)]

    assert [event.iati_identifier for event in read] == [None, None]
    assert read[0].mutate(None).iati_identifier is None
