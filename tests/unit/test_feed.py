"""Every aggregate is either in the event feed's table or explicitly never shown."""

from __future__ import annotations

import importlib
import pkgutil

from eventsourcing.domain import Aggregate

import domain
import services
from services.api.feed import NEVER_SHOWN, READ_BY, Catalogue


def _all_aggregates() -> set[type[Aggregate]]:
    for package in (domain, services):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not module.name.startswith(("services.api", "services.cli")):
                importlib.import_module(module.name)
    found: set[type[Aggregate]] = set()
    pending = list(Aggregate.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith(("domain.", "services.")):
            found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_aggregate_is_shown_to_someone_or_never_shown() -> None:
    decided = set(READ_BY) | set(NEVER_SHOWN)

    missing = sorted(cls.__qualname__ for cls in _all_aggregates() - decided)

    assert missing == [], f"aggregates the event feed has no rule for: {missing}"


def test_the_catalogue_names_each_event_once_by_its_topic() -> None:
    catalogue = Catalogue.build()

    assert catalogue.resolve(["Offer.Posted"]) == {"domain.offers:Offer.Posted"}
    assert catalogue.resolve(["domain.offers:Offer.Posted"]) == {"domain.offers:Offer.Posted"}
    assert catalogue.resolve(["Offer"]) == {
        "domain.offers:Offer.Posted",
        "domain.offers:Offer.Allocated",
        "domain.offers:Offer.Released",
        "domain.offers:Offer.Withdrawn",
    }
