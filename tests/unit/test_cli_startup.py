"""`concord token` and `concord --help` start without the event store, the read side or the web
stack: each command imports what it uses, so a command that needs none of them (a development
token, typed again and again, and run by the guides' examples and the served tests) is not charged
for them. Measured on the commit that made it so: 0.5 s of CPU for `concord token` against 2.0 s."""

from __future__ import annotations

import subprocess
import sys

HEAVY = frozenset(
    {
        "alembic",
        "fastapi",
        "projections",
        "services.api",
        "services.bootstrap",
        "services.coordination",
        "sqlalchemy",
        "strawberry",
        "uvicorn",
    }
)


def heavy_modules_loaded_by(imports: str) -> list[str]:
    """Which of HEAVY a fresh interpreter holds once it has run ``import <imports>``."""
    listed = subprocess.run(
        [sys.executable, "-c", f"import sys, {imports}; print(*sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted({name for name in listed.stdout.split() if name in HEAVY})


def test_the_concord_command_loads_no_storage_read_side_or_web_stack_until_a_command_needs_it() -> None:
    assert heavy_modules_loaded_by("services.cli") == []


def test_the_check_sees_what_a_command_that_needs_the_wiring_loads() -> None:
    loaded = heavy_modules_loaded_by("services.cli, services.bootstrap")

    assert {"services.bootstrap", "services.coordination", "sqlalchemy", "projections"} <= set(loaded)
