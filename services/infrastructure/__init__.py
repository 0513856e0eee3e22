"""Plumbing beneath the commands, no product rules: how events are written and found (transcodings,
snapshots, log positions, the group commit), how long a call waits on the database (deadlines,
availability), logs and the heap; and, one module per library, where Concord relies on a library's
internals, each pinned by a test."""
