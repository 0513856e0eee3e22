"""Every read model's tables and the projections' tracking table, on one ``MetaData``: what Alembic
migrations compare against, and what rebuilds and tests reach for. Each read model's package owns its
tables (``projections/<read_model>/tables.py``); this module only gathers them."""

from __future__ import annotations

from projections.allocation_rounds.tables import allocation_rounds
from projections.api_keys.tables import api_keys
from projections.assistance_requests.tables import assistance_requests, request_commitments
from projections.columns import metadata
from projections.coverage.tables import coverage_cells, coverage_commitments, coverage_requests
from projections.crises.tables import crises
from projections.finance.tables import fund_allocations, fund_ledger, funds, pledge_payments, pledges
from projections.flow_totals.tables import flow_totals, flow_totals_destinations, flow_totals_flows
from projections.match_counts.tables import match_counts, match_counts_matches, match_counts_requests
from projections.matches.tables import matches
from projections.movements.tables import displacement_changes, movements
from projections.offers.tables import offers
from projections.organisations.tables import organisations
from projections.projects.tables import project_milestones, project_results, projects
from projections.receiver_flow_totals.tables import (
    receiver_flow_totals,
    receiver_flow_totals_destinations,
    receiver_flow_totals_flows,
)
from projections.safe_havens.tables import haven_reservations, safe_havens
from projections.security_incidents.tables import security_incidents
from projections.tracking import projection_tracking

__all__ = [
    "allocation_rounds",
    "api_keys",
    "assistance_requests",
    "coverage_cells",
    "coverage_commitments",
    "coverage_requests",
    "crises",
    "displacement_changes",
    "flow_totals",
    "flow_totals_destinations",
    "flow_totals_flows",
    "fund_allocations",
    "fund_ledger",
    "funds",
    "haven_reservations",
    "match_counts",
    "match_counts_matches",
    "match_counts_requests",
    "matches",
    "metadata",
    "movements",
    "offers",
    "organisations",
    "pledge_payments",
    "pledges",
    "project_milestones",
    "project_results",
    "projection_tracking",
    "projects",
    "receiver_flow_totals",
    "receiver_flow_totals_destinations",
    "receiver_flow_totals_flows",
    "request_commitments",
    "safe_havens",
    "security_incidents",
]
