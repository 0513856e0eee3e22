"""What the commands show on the terminal: the log's format, and progress on stderr."""

from __future__ import annotations

import sys

from services.infrastructure import logs
from services.settings import Settings


def configure_logging(settings: Settings | None = None) -> None:
    settings = settings or Settings()
    logs.configure(settings.log_format, settings.log_level)


class RebuildProgress:
    """One line on stderr: redrawn in place on a terminal, a line per tenth of the way otherwise."""

    def __init__(self, name: str, head: int) -> None:
        self.name, self.head = name, head
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def show(self, position: int) -> None:
        share = 100 if self.head == 0 else min(100, position * 100 // self.head)
        if not self.tty and share // 10 == self.shown // 10:
            return
        self.shown = share
        start, end = ("\r", "") if self.tty else ("", "\n")
        sys.stderr.write(f"{start}{self.name}: position {position} of {self.head} ({share} %){end}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


class ProgressBar:
    """A bar on stderr, redrawn in place on a terminal; a line per tenth of the way otherwise."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def show(self, done: int, total: int, label: str) -> None:
        share = 100 if total == 0 else min(100, done * 100 // total)
        if share == self.shown or (not self.tty and share // 10 == self.shown // 10):
            return
        self.shown = share
        bar = "#" * (share // 4) + "-" * (25 - share // 4)
        start, end = ("\r", "") if self.tty else ("", "\n")
        sys.stderr.write(f"{start}{self.name} [{bar}] {share:3d} % {label:<30}{end}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
