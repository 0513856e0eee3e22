"""The ``offers`` read model."""
