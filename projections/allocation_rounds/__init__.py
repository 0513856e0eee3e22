"""The ``allocation_rounds`` read model: the matcher's rounds, newest first."""
