"""The command side, one module per concept: what each command checks, decides and saves."""
