"""Plumbing: where Concord relies on a library's internals, one module per library, each pinned by a test."""
