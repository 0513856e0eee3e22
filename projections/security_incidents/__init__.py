"""The ``security_incidents`` read model: incidents against relief workers."""
