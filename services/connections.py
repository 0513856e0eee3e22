"""Moved to ``services.infrastructure.psycopg_pool_internals``; this name stays only for
``services.coordination``'s import, and goes when that imports from there."""

from services.infrastructure.psycopg_pool_internals import bound_waits, use_quick_checks

__all__ = ["bound_waits", "use_quick_checks"]
