"""The ``coverage`` read model: requested, committed and delivered per crisis, state and sector,
kept up to date by its projector so that the dashboard's refresh reads a few hundred cells, not
every request."""
