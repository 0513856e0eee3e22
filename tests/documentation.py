"""The guides as the tests read them: README.md and docs/*.md, their fenced examples and what each
example's info string says about running it (```sh, ```graphql as=viewer, ```sh no-run: why)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

LANGUAGES = {
    "sh": "a shell example: run against a served Concord (http://127.0.0.1:8000 is its address)",
    "graphql": "a GraphQL document: validated against graphql/schema.graphql, then executed",
    "text": "not code: a diagram or a map, whose repository paths are checked",
}
FLAGS = {
    "postgres": "needs PostgreSQL: run on that back end only",
    "synopsis": "a command's forms, one a line: each is checked against the command's --help",
    "expect": "expect=CODE: the example shows a refusal, and the test expects that error code",
    "as": "as=ROLE[:SCOPE]: whom a GraphQL example runs as (the secretariat by default)",
    "no-run": "no-run: REASON: not run here, and why",
}
PLACEHOLDER = re.compile(r"<([a-z][a-z ]*[a-z])>")


@dataclass(frozen=True)
class Example:
    """One fenced block of a guide, with what its info string says."""

    guide: Path
    line: int
    info: str
    text: str

    @property
    def language(self) -> str:
        words = self.info.partition("no-run:")[0].split()
        return words[0] if words else ""

    @property
    def options(self) -> dict[str, str]:
        """The flags after the language, ``expect=CODE`` as {"expect": "CODE"}."""
        words = self.info.partition("no-run:")[0].split()[1:]
        return dict((*word.partition("=")[::2],) for word in words)

    @property
    def reason(self) -> str | None:
        """Why the example is not run here, if it is not."""
        _, marker, reason = self.info.partition("no-run:")
        return reason.strip() if marker else None

    @property
    def name(self) -> str:
        return f"{self.guide.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.reason is None and "synopsis" not in self.options and self.language != "text"


def examples(guide: Path) -> list[Example]:
    """Every fenced block of a guide, in order."""
    found: list[Example] = []
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(guide.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.startswith("```"):
            if opened is not None:
                body.append(line)
            continue
        if opened is None:
            opened, body = (number, line[3:].strip()), []
        else:
            found.append(Example(guide, opened[0], opened[1], "\n".join(body) + "\n"))
            opened = None
    assert opened is None, f"{guide.name}:{opened[0]}: a fence is never closed"
    return found


def all_examples() -> list[Example]:
    return [example for guide in GUIDES for example in examples(guide)]


def prose(guide: Path) -> str:
    """A guide without its fenced blocks."""
    return re.sub(r"^```.*?^```", "", guide.read_text(encoding="utf-8"), flags=re.S | re.M)
