"""The read side: SQL read models kept by projectors from the event log, and the queries on them."""
