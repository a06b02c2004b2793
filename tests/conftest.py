"""Shared fixtures: the chapters under test (`--chapter`), each chapter's grading round trip
(computed once and read by the grading, execution and release checks), the scheduling of the
suite on pytest-xdist workers, and the time tables printed at the end of `make test`."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from dlcourse import grading

REPO_ROOT = Path(__file__).resolve().parents[1]
# A notebook's smoke run must finish within this many seconds; it is also nbgrader's per-cell
# timeout in the round trip, so a hung cell fails the chapter in minutes, not in the config's 20.
DEFAULT_BUDGET_S = 90
BUDGETS_S: dict[str, float] = {}  # per-notebook exceptions, "chapter/notebook.ipynb" -> seconds

NOTEBOOK_TIMES: dict[str, float] = {}  # "chapter/notebook.ipynb" -> seconds of its smoke run
CHAPTER_TIMES: dict[str, dict[str, float]] = defaultdict(dict)  # chapter -> {"release": s, ...}


def pytest_addoption(parser):
    parser.addoption("--chapter", action="append", default=[], metavar="CHAPTER",
                     help="test only this chapter (its round trip, notebooks and release check) and the fast "
                          "unit tests; a chapter in autograde/drafts/ can be named too (repeatable)")


def pytest_configure(config):
    # The suite never downloads: data comes from $DLCOURSE_DATA or datasets/cache/.
    os.environ.setdefault("DLCOURSE_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for chapter in config.getoption("--chapter"):
        grading.masters_dir(chapter)  # an unknown chapter stops the run with the chapters there are


def tested_chapters(config) -> list[str]:
    """The chapters under test: every released chapter, or those named by --chapter."""
    return config.getoption("--chapter") or grading.chapters()


def pytest_generate_tests(metafunc):
    # `chapter` and `master` parameters come from the chapters under test, so that --chapter can
    # name a draft chapter, which has masters but no released versions.
    chapters = tested_chapters(metafunc.config)
    explicit = {name for mark in metafunc.definition.iter_markers("parametrize")
                for name in ([mark.args[0]] if isinstance(mark.args[0], str) else mark.args[0])}
    explicit = {n.strip() for names in explicit for n in names.split(",")}
    if "chapter" in metafunc.fixturenames and "chapter" not in explicit:
        metafunc.parametrize("chapter", chapters)
    if "master" in metafunc.fixturenames and "master" not in explicit:
        masters = [m for c in chapters for m in sorted(grading.masters_dir(c).glob("*.ipynb"))]
        metafunc.parametrize("master", masters, ids=lambda m: f"{m.parent.name}/{m.name}")


def budget(key: str) -> float:
    return BUDGETS_S.get(key, DEFAULT_BUDGET_S)


class RoundTrips:
    """Each chapter graded once per process, on first use: nbgrader's real autograde of the
    solution version (which is also the notebooks' smoke run) and of the untouched student version."""

    def __init__(self, tmp_path_factory):
        self._factory = tmp_path_factory
        self._results: dict[str, grading.RoundTrip | Exception] = {}

    def get(self, chapter: str) -> grading.RoundTrip:
        if chapter not in self._results:
            course = self._factory.mktemp(chapter) / "course"
            cell_timeout = max([budget(f"{chapter}/{m.name}") for m in grading.masters_dir(chapter).glob("*.ipynb")],
                               default=DEFAULT_BUDGET_S)
            try:
                self._results[chapter] = grading.round_trip(course, chapter, cell_timeout=cell_timeout)
            except Exception as exc:  # kept, so the chapter's other tests fail at once instead of regrading
                self._results[chapter] = exc
        result = self._results[chapter]
        if isinstance(result, Exception):
            pytest.fail(f"{chapter}: the grading round trip failed:\n{result}", pytrace=False)
        return result


@pytest.fixture(scope="session")
def round_trips(tmp_path_factory) -> RoundTrips:
    return RoundTrips(tmp_path_factory)


# --- pytest-xdist: a chapter's tests run on one worker -------------------------------------
# `make test` runs two workers (`-n 2`). xdist's default (`--dist load`) would spread a chapter's
# tests over both, grading the chapter twice; `--dist loadscope` keeps a module on one worker,
# which would put every chapter's round trip (most of the suite's time) on the same one. The
# scheduler below, used for either, makes each chapter its own unit: every test whose parameter
# id starts with a chapter id ("[03_cnn]", "[03_cnn/05_fashion_homework.ipynb]") goes, in
# collection order, to the worker that runs the rest of that chapter, where the chapter's round
# trip is computed once. Other tests keep their module's unit.
# (xdist's own `loadgroup` cannot do this with pytest 9: it renames `item._nodeid`, which pytest
# 9 no longer reads, so the groups it makes are silently ignored.)

CHAPTER_IDS = (set(grading.chapters()) | set(grading.draft_chapters())
               | {p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir()})
_PARAM_ID = re.compile(r"\[([^/\]]+)[^\]]*\]$")


def chapter_scope(nodeid: str) -> str | None:
    """The chapter a test belongs to, from its parameter id, or None."""
    match = _PARAM_ID.search(nodeid)
    return match.group(1) if match and match.group(1) in CHAPTER_IDS else None


COLLECTED: list = []  # every item collected, before -m, -k or --chapter deselects any (tests/test_suite.py)


def _schedule_rank(item) -> tuple:
    """Order of the work units on the workers: the longest first, so that two workers finish
    together (greedy longest-first). A chapter's cost grows with its notebooks; the robustness
    batch grades eight submissions of one notebook; everything else takes seconds."""
    chapter = chapter_scope(item.nodeid)
    if chapter:
        return (0, -len(list(grading.masters_dir(chapter).glob("*.ipynb"))), chapter)
    if item.get_closest_marker("slow"):
        return (1, 0, item.module.__name__)
    return (2, 0, "")


@pytest.hookimpl(tryfirst=True)  # first: before -m and -k deselect anything
def pytest_collection_modifyitems(config, items):
    items.sort(key=_schedule_rank)  # stable: a unit's tests keep their collection order
    COLLECTED[:] = items
    chosen = config.getoption("--chapter")
    if not chosen:
        return
    # --chapter: that chapter's tests, and the fast tests that belong to no chapter.
    keep, drop = [], []
    for item in items:
        scope = chapter_scope(item.nodeid)
        wanted = scope in chosen if scope else item.get_closest_marker("slow") is None
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: the suite also runs with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") not in ("load", "loadscope"):
        return None  # --dist each, loadfile, worksteal ...: what was asked for
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False  # keep the longest-first order of _schedule_rank

    class ChapterScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return chapter_scope(nodeid) or super()._split_scope(nodeid)

    return ChapterScheduling(config, log)


# --- the time tables -------------------------------------------------------------------------
# Tests record their figures as user properties. Reading them from the reports works both in one
# process and under pytest-xdist, where only the reports reach the process that prints the summary.

def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    properties = dict(report.user_properties)
    if "smoke_seconds" in properties:
        NOTEBOOK_TIMES[properties["notebook"]] = properties["smoke_seconds"]
    for name, value in properties.items():
        if name.startswith("chapter_seconds:"):
            CHAPTER_TIMES[properties["chapter"]][name.split(":", 1)[1]] = value


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook smoke runs (the solution's autograde)")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"  {name:60s} {seconds:6.1f} s")
        terminalreporter.write_line(f"  {'total':60s} {sum(NOTEBOOK_TIMES.values()):6.1f} s")
    if CHAPTER_TIMES:
        terminalreporter.section("chapters: where the time goes (seconds)")
        columns = ("release", "smoke", "untouched", "autograde", "release_again")
        terminalreporter.write_line(f"  {'chapter':18s}" + "".join(f"{c:>14s}" for c in columns))
        for chapter, times in sorted(CHAPTER_TIMES.items()):
            cells = "".join(f"{times[c]:14.1f}" if c in times else f"{'':>14s}" for c in columns)
            terminalreporter.write_line(f"  {chapter:18s}{cells}")
        terminalreporter.write_line("  release: the chapter's masters released in a temporary course; smoke and untouched: "
                                    "cell time of the solution's and of the untouched version's autograde; autograde: "
                                    "nbgrader's whole autograde of both (kernels included); release_again: the release-twice check")


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
