"""The command side, one module per concept: what each command checks, decides and saves.

Every module derives from ``core.CommandCore`` alone; ``services.coordination.Concord`` composes
them all and implements the core over eventsourcing.
"""
