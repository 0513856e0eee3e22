"""The ``crises`` read model."""
