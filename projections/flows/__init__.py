"""Flows of money in the OCHA FTS shape."""
