"""tests/xdist_internals.py: under `--dist loadgroup` the tests of one `xdist_group` run on one worker,
one after another, while the others are shared out. An upgrade of pytest or pytest-xdist fails here
first."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from importlib.metadata import version
from pathlib import Path

from tests import xdist_internals

ROOT = Path(__file__).resolve().parents[2]
PYTEST = [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider"]
CONFTEST = """
import pytest
from tests import xdist_internals

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    xdist_internals.name_groups(config, items)
"""
TESTS = """
import os
import pytest

def ran(what):
    with open("ran.txt", "a") as out:
        out.write(f"{os.environ['PYTEST_XDIST_WORKER']} {what}\\n")

@pytest.mark.parametrize("i", range(4))
def test_alone(i):
    ran(f"alone-{i}")

@pytest.mark.xdist_group("one")
@pytest.mark.parametrize("i", range(6))
def test_in_a_group(i):
    ran(f"grouped-{i}")

@pytest.fixture(params=[pytest.param("a", marks=pytest.mark.xdist_group("by-a")), "b"])
def backend(request):
    return request.param

def test_one_by_a_fixtures_parameter(backend):
    ran(f"param-{backend}")

def test_another_by_a_fixtures_parameter(backend):
    ran(f"param-{backend}")
"""


def test_written_for_the_locked_versions() -> None:
    assert {name: version(name) for name in xdist_internals.WRITTEN_FOR} == xdist_internals.WRITTEN_FOR


def test_a_groups_tests_run_on_one_worker_and_the_others_are_shared_out(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_groups.py").write_text(TESTS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    done = subprocess.run(
        [*PYTEST, "-v", "-c", os.devnull, "--rootdir", str(tmp_path), "test_groups.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    # xdist's scheduler groups tests by this suffix of their ids, which its report shows.
    passed = [line.rsplit("::", 1)[1].strip() for line in done.stdout.splitlines() if " PASSED " in line]
    assert sorted(test for test in passed if "@" in test) == sorted(
        [f"test_in_a_group[{i}]@one" for i in range(6)]
        + ["test_one_by_a_fixtures_parameter[a]@by-a", "test_another_by_a_fixtures_parameter[a]@by-a"]
    ), done.stdout
    workers: dict[str, set[str]] = defaultdict(set)
    for line in (tmp_path / "ran.txt").read_text().splitlines():
        worker, what = line.split()
        workers[what].add(worker)
    grouped = {worker for what, seen in workers.items() if what.startswith("grouped") for worker in seen}
    assert len(grouped) == 1
    assert len(workers["param-a"]) == 1
