"""Shared fixtures, the scheduling of the suite on pytest-xdist workers, and the per-notebook
timing table printed at the end of `make test`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dlcourse import grading

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TIMES: dict[str, float] = {}  # "chapter/notebook.ipynb" -> smoke seconds, from the reports


def pytest_configure(config):
    # The suite never downloads: data comes from $DLCOURSE_DATA or datasets/cache/.
    os.environ.setdefault("DLCOURSE_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# --- pytest-xdist: a chapter's tests run on one worker -------------------------------------
# `make test` runs two workers (`-n 2`). xdist's default (`--dist load`) would spread a chapter's
# tests over both, computing its module-scoped round trip twice; `--dist loadscope` keeps a
# module on one worker, which puts every chapter's round trip (most of the suite's time) on the
# same one. The scheduler below, used for either, makes each chapter its own unit: every test
# whose parameter id starts with a chapter id ("[03_cnn]", "[03_cnn/05_fashion_homework.ipynb]")
# goes, in collection order, to the worker that runs the rest of that chapter. So the chapter's
# round trip is computed once, and the chapter's last notebook test sees the ones before it.
# Other tests keep their module's unit.
# (xdist's own `loadgroup` cannot do this with pytest 9: it renames `item._nodeid`, which pytest
# 9 no longer reads, so the groups it makes are silently ignored.)

CHAPTER_IDS = set(grading.chapters()) | {p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir()}
_PARAM_ID = re.compile(r"\[([^/\]]+)[^\]]*\]$")


def chapter_scope(nodeid: str) -> str | None:
    """The chapter a test belongs to, from its parameter id, or None."""
    match = _PARAM_ID.search(nodeid)
    return match.group(1) if match and match.group(1) in CHAPTER_IDS else None


COLLECTED: list = []  # every item collected, before -m or -k deselects any (tests/test_suite.py)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    COLLECTED[:] = items


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: the suite also runs with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") not in ("load", "loadscope"):
        return None  # --dist each, loadfile, worksteal ...: what was asked for
    from xdist.scheduler import LoadScopeScheduling

    class ChapterScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return chapter_scope(nodeid) or super()._split_scope(nodeid)

    return ChapterScheduling(config, log)


def pytest_runtest_logreport(report):
    # test_notebooks.py records each run's time as a user property. Reading it from the report
    # works both in one process and under pytest-xdist, where the tests run in worker processes
    # and only their reports reach the process that prints the summary.
    properties = dict(report.user_properties)
    if report.when == "call" and "smoke_seconds" in properties:
        NOTEBOOK_TIMES[properties["notebook"]] = properties["smoke_seconds"]


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook smoke times")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"  {name:60s} {seconds:6.1f} s")
        terminalreporter.write_line(f"  {'total':60s} {sum(NOTEBOOK_TIMES.values()):6.1f} s")


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
