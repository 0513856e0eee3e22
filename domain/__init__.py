"""Concord's domain: the facts of post-conflict assistance among ASEAN member states.

Imports only the standard library and ``eventsourcing.domain``: no I/O, no settings, no clock
but the one passed in.
"""
