"""The ``movements`` read model: movements of people, and the displacement stocks they change."""
