"""Moved to ``services.infrastructure.psycopg_pool_internals``; kept for ``services.coordination``'s
import until that module is split (it goes then)."""

from services.infrastructure.psycopg_pool_internals import bound_waits, use_quick_checks

__all__ = ["bound_waits", "use_quick_checks"]
