"""The ``projects`` read model: projects, their milestones and results, and their funding."""
