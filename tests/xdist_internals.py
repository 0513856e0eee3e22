"""pytest-xdist used past its API. Written for pytest-xdist 3.8.0 on pytest 9.2.0 (WRITTEN_FOR,
requirements-dev.lock).

``--dist loadgroup`` sends the tests of one ``xdist_group`` to one worker by a suffix that xdist's
worker adds to each grouped test's node id (``…::test[x]@group``). xdist 3.8.0 writes that id to
``item._nodeid``, which pytest 9.2 no longer reads (a node's id is ``item._id``, a ``NodeId``): no
test was grouped. The documentation's served demo was then made again each time a worker came back
to its module, and the resilience tests ran at the same time as one another. Here each worker gives
a grouped test the id xdist means it to have.

On an upgrade of either, tests/unit/test_xdist_internals.py fails first: see whether xdist's
``WorkerInteractor.pytest_collection_modifyitems`` now sets the id pytest reads (then delete this).
"""

from __future__ import annotations

import pytest
from _pytest.nodeid import NodeId

WRITTEN_FOR = {"pytest-xdist": "3.8.0", "pytest": "9.2.0"}


def group_name(item: pytest.Item) -> str | None:
    """The group xdist would name the test by: its groups' names sorted and joined, as xdist does."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) or None


def grouped(nodeid: str) -> bool:
    """Whether the id already carries a group, as xdist's scheduler reads it (an ``@`` after any ``]``)."""
    return nodeid.rfind("@") > nodeid.rfind("]")


def name_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker under ``--dist loadgroup``, the ``@group`` suffix on each grouped test's id."""
    if not hasattr(config, "workerinput") or not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        name = group_name(item)
        if name is not None and not grouped(item.nodeid):
            item._id = NodeId.parse(f"{item.nodeid}@{name}")  # xdist's own suffix, where pytest reads it
