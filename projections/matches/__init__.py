"""The ``matches`` read model."""
