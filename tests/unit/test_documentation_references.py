"""What the guides name exists: every repository path and the names said to be in it, every link and
its anchor, every setting, every page of the workbench, every projection, every form of the
``concord`` command, every GraphQL example against the schema, and the commit of every result.
Each example says how it is run (tests/documentation.py); tests/integration/test_documentation.py
runs them."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate
from typer.testing import CliRunner

from services.bootstrap import all_projectors
from services.cli import app
from services.settings import Settings
from tests.documentation import FLAGS, GUIDES, LANGUAGES, PLACEHOLDER, ROOT, Example, all_examples, prose

EXAMPLES = all_examples()
IGNORED = [
    line.strip().rstrip("/") for line in (ROOT / ".gitignore").read_text().splitlines() if line.strip()
]
TOP_LEVEL = {
    entry.name
    for entry in ROOT.iterdir()
    if entry.name != ".git" and not any(fnmatch.fnmatch(entry.name, pattern) for pattern in IGNORED)
}
PATH = re.compile(
    r"[\w.*-]+(?:/[\w.*-]*)+|[\w-]+\.(?:py|js|html|css|graphql|yaml|toml|lock|json|md|mako|ini)"
)
SOURCES = [
    path
    for path in ROOT.rglob("*")
    if path.is_file() and not ({".git", ".venv", "node_modules"} & set(path.relative_to(ROOT).parts))
]


def spans(guide: Path) -> list[str]:
    """The inline code of a guide's prose, a span broken over lines joined again."""
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose(guide))]


def repository_paths(guide: Path) -> set[str]:
    """What a guide names as a path of this repository: whole code spans, and the words of its
    diagrams and maps, whose first part is a top-level entry of the repository (or, without a
    folder, a source file's name)."""
    words = spans(guide)
    for example in (e for e in EXAMPLES if e.guide == guide and e.language == "text"):
        words += [word.strip(",;:()") for word in example.text.split()]
    return {
        word
        for word in words
        if PATH.fullmatch(word) and ("/" not in word or word.split("/")[0] in TOP_LEVEL)
    }


def exists(path: str) -> bool:
    """On disk; or made by a run, where .gitignore keeps it out of the repository."""
    if any(path.startswith(pattern + "/") for pattern in IGNORED):
        return True
    if "/" not in path:
        return any(source.name == path for source in SOURCES)
    return any(ROOT.glob(path.rstrip("/"))) if "*" in path else (ROOT / path).exists()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_every_example_says_how_it_is_run(example: Example) -> None:
    assert example.language in LANGUAGES, f"{example.name}: say what it is: one of {sorted(LANGUAGES)}"
    assert set(example.options) <= set(FLAGS) - {"no-run"}, f"{example.name}: unknown flags {example.options}"
    if example.reason is not None:
        assert len(example.reason.split()) >= 3, f"{example.name}: no-run needs its reason in words"
    if "expect" in example.options:
        assert re.fullmatch(r"[A-Z_]+", example.options["expect"]), f"{example.name}: expect=CODE"
    if example.language == "text":
        assert not re.search(r"^\s*(curl|concord|\.venv/bin/)", example.text, re.M), (
            f"{example.name}: commands belong in an sh block, where they are run"
        )


# The inputs the domain refuses once their date has passed (domain/requests.py, offers.py, movements.py).
AHEAD = re.compile(r'"(neededBy|availableUntil|plannedDeparture)"\s*:\s*"(\d{4}-\d{2}-\d{2})"')
NOTICE = timedelta(days=60)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_no_example_sends_a_date_that_will_soon_be_in_the_past(example: Example) -> None:
    """An example runs as written against a served Concord on the real clock, so a need's `neededBy`
    in it stops running the day that date passes. This says so two months ahead, in a unit test, and
    not on the day as a refused example in CI."""
    soon = datetime.now(UTC).date() + NOTICE
    for field, written in AHEAD.findall(example.text):
        assert dt.date.fromisoformat(written) > soon, (
            f"{example.name}: {field} {written} is in the past from {soon}: move it a year on"
        )


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: str(g.relative_to(ROOT)))
def test_every_repository_path_a_guide_names_exists(guide: Path) -> None:
    named = repository_paths(guide)

    assert named, f"{guide.name} names no path of the repository: is the extraction broken?"
    assert sorted(path for path in named if not exists(path)) == []


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: str(g.relative_to(ROOT)))
def test_every_name_a_guide_places_in_a_module_is_there(guide: Path) -> None:
    """ "`POLICY` in `services/identity/access.py`" and "`services/cli.py` `shared_socket`" stay true."""
    text = " ".join(prose(guide).split())
    placed = re.findall(r"`([A-Za-z_][\w.]*)` (?:in|of) `([\w/.-]+\.py)`", text)
    placed += [(name, path) for path, name in re.findall(r"`([\w/.-]+\.py)` `([A-Za-z_]\w*)`", text)]
    missing = [
        (name, path)
        for name, path in placed
        if not (ROOT / path).exists()
        or not re.search(rf"\b{re.escape(name.rsplit('.', 1)[-1])}\b", (ROOT / path).read_text())
    ]

    assert missing == []


def slugs(guide: Path) -> set[str]:
    """The anchors GitHub gives a guide's headings."""
    headings = re.findall(r"^#+ (.+)$", prose(guide), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: str(g.relative_to(ROOT)))
def test_every_link_between_the_guides_leads_somewhere(guide: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", prose(guide)):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        linked = (guide.parent / file).resolve() if file else guide
        if not linked.exists() or (anchor and anchor not in slugs(linked)):
            broken.append(target)

    assert broken == []


def test_every_guide_is_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()

    assert [g.name for g in GUIDES[1:] if f"](docs/{g.name})" not in readme] == []


def test_the_configuration_table_lists_every_setting() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    table = "\n".join(line for line in operations.splitlines() if line.startswith("| `CONCORD_"))

    assert [f for f in Settings.model_fields if f"`CONCORD_{f.upper()}`" not in table] == []


def test_every_environment_variable_a_guide_names_is_read_somewhere() -> None:
    named = {name for guide in GUIDES for name in re.findall(r"\bCONCORD_[A-Z0-9_]+\b", guide.read_text())}
    settings = {f"CONCORD_{field.upper()}" for field in Settings.model_fields}
    code = "\n".join(
        source.read_text(errors="ignore")
        for source in SOURCES
        if source.suffix in {".py", ".yaml", ".toml", ""} and "docs" not in source.parts
    )

    assert sorted(name for name in named - settings if name not in code) == []


def test_the_workbench_guide_names_each_page_as_the_header_links_it() -> None:
    header = (ROOT / "services" / "web" / "header.js").read_text()
    pages = re.findall(
        r"^\| \*\*(.+?)\*\* \| `(/workbench/[\w/-]+)` \|", (ROOT / "docs" / "workbench.md").read_text(), re.M
    )
    linked = set(re.findall(r'\["(/workbench/[\w/-]+)", "(.+?)",', header))
    named = {(href, name) for name, href in pages}

    assert sorted(named - linked) == []
    assert sorted(linked - named) == []


def test_the_operations_guide_names_every_projection() -> None:
    operations = " ".join((ROOT / "docs" / "operations.md").read_text().split())
    listed = operations.split("`concord status` lists them:", 1)[1].split(".", 1)[0]

    assert re.findall(r"`(\w+)`", listed) == [projector.name for projector in all_projectors()]


def synopsis_forms() -> list[tuple[str, str]]:
    forms = []
    for example in (e for e in EXAMPLES if "synopsis" in e.options):
        for line in example.text.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                forms.append((example.name, command))
    return forms


@pytest.mark.parametrize(("where", "form"), synopsis_forms(), ids=str)
def test_every_form_of_the_concord_command_is_one_it_takes(where: str, form: str) -> None:
    words = form.split()
    assert words[0] == "concord", f"{where}: {form}"
    command = [w for w in words[1:] if re.fullmatch(r"[a-z]+", w)][:2]
    if command and command[0] != "apikey":
        command = command[:1]
    shown = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    options = re.findall(r"--[a-z][\w-]*", form)

    assert shown.exit_code == 0, f"{where}: concord {' '.join(command)}: {shown.output}"
    assert [option for option in options if option not in shown.output] == []


SCHEMA = build_schema((ROOT / "graphql" / "schema.graphql").read_text())


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.language == "graphql"], ids=lambda e: e.name)
def test_every_graphql_example_is_valid_against_the_schema(example: Example) -> None:
    document = parse(PLACEHOLDER.sub("00000000-0000-0000-0000-000000000000", example.text))

    assert [error.message for error in validate(SCHEMA, document)] == []


def results() -> list[list[str]]:
    performance = (ROOT / "docs" / "performance.md").read_text()
    table = performance.split("## Results", 1)[1].split("\n\n")[1]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in table.splitlines()[2:]]


def commit_time(commit: str) -> datetime | None:
    """When a commit was made, if this checkout has its whole history (CI's may be shallow)."""
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        return None
    shown = subprocess.run(
        ["git", "show", "-s", "--format=%cI", commit], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0, f"no commit {commit} in the history"
    return datetime.fromisoformat(shown.stdout.strip())


def test_every_result_names_a_command_that_runs_and_a_commit_that_precedes_it() -> None:
    rows = results()
    makefile = (ROOT / "Makefile").read_text()

    assert len(rows) >= 10
    for date, command, commit, backend, figure, baseline, ratio in rows:
        taken = datetime.strptime(date, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        program = command.strip("`").split()
        if program[0] == "make":
            assert re.search(rf"^{program[1]}:", makefile, re.M), command
        else:
            assert program[:2] == ["python", "-m"], command
            module = program[2].replace(".", "/")
            assert (ROOT / f"{module}.py").exists() or (ROOT / module / "__main__.py").exists(), command
        assert re.fullmatch(r"`[0-9a-f]{7,40}`", commit), commit
        made = commit_time(commit.strip("`"))
        assert made is None or made <= taken, f"{date}: {commit} was made after the result"
        assert all((backend, figure, baseline, ratio)), date
