"""The money stage by stage, as the IATI export reads it."""
