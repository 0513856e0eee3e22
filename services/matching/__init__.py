"""Matching offers to needs: suggestions for one request and allocation rounds across states."""
