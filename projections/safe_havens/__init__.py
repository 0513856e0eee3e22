"""The ``safe_havens`` read model."""
