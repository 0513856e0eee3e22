"""The ``organisations`` read model."""
