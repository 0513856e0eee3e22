"""The ``flow_totals`` read model: funding flows added up per source, FTS status, year and crisis,
kept up to date by its projector so that the dashboard's funding refresh reads a few hundred cells,
not every pledge and allocation."""
