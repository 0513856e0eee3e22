"""The ``receiver_flow_totals`` read model: funding flows added up per source, FTS status, year,
receiving member state, sector and crisis, kept up to date by its projector so that the funding
totals by state or sector read the cells, not every pledge and allocation. A request's sector
changes with its amendments: its flows move to the new sector's cells then."""
