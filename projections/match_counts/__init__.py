"""The ``match_counts`` read model: how many matches each member state's requests have in each
status, kept up to date by its projector so that a coordinator's waiting matches are counted from
one cell a status, not from every match of the state."""
