"""The allocation round's solver (the round's command is in services.commands.allocation_rounds)."""
