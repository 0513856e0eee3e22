"""Who does what, where (3W)."""
