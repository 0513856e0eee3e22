"""Coverage: what is requested, committed and delivered, per state and sector."""
