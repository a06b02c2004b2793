"""Execution: every solution notebook runs in smoke mode, within its time budget, every code
cell executed, and its recorded metrics within smoke-level bounds.

Under pytest-xdist (`make test` runs two workers) a chapter's tests run on one worker, in order
(tests/conftest.py), so the chapter's last test sees what its notebooks' tests recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlcourse import runner

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = runner.solution_notebooks()
TARGETS = runner.load_targets()
DEFAULT_BUDGET_S = 90
BUDGETS_S: dict[str, float] = {}  # per-notebook exceptions, "chapter/notebook.ipynb" -> seconds
EXECUTED: set[str] = set()  # this process's notebooks that passed every check


def key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=key)
def test_solution_notebook_runs_in_smoke_mode(notebook, tmp_path, record_property):
    budget = BUDGETS_S.get(key(notebook), DEFAULT_BUDGET_S)
    run = runner.execute(notebook, tmp_path / notebook.name, smoke=True, timeout=budget)
    record_property("notebook", key(notebook))
    record_property("smoke_seconds", run.seconds)
    assert not run.error, f"{key(notebook)} failed:\n{run.error}"
    assert not run.unexecuted, f"code cells {run.unexecuted} never ran (a sys.exit or an early stop?)"
    assert run.seconds <= budget, f"{key(notebook)} took {run.seconds:.0f} s, budget {budget} s"
    expected = TARGETS.get(key(notebook), {})
    assert expected, f"{key(notebook)} has no headline metric in tests/metric_targets.toml"
    for metric, bounds in expected.items():
        assert metric in run.metrics, f"{key(notebook)} did not record {metric!r} (recorded: {sorted(run.metrics)})"
        low, high = bounds["smoke"]
        assert low <= run.metrics[metric] <= high, f"{metric} = {run.metrics[metric]} outside smoke bounds [{low}, {high}]"
    EXECUTED.add(key(notebook))


# Chapters as found on disk, not from SOLUTIONS, so that nothing under solutions/ escapes the check.
ON_DISK = sorted(p.name for p in (REPO_ROOT / "solutions").iterdir() if p.is_dir())


def test_solutions_folder_has_chapters():
    assert ON_DISK, "no chapter folders under solutions/"


@pytest.mark.parametrize("chapter", ON_DISK)
def test_every_solution_notebook_of_the_chapter_was_executed(chapter):
    on_disk = {key(p) for p in (REPO_ROOT / "solutions" / chapter).glob("*.ipynb")}
    assert on_disk, f"solutions/{chapter}/ has no notebooks"
    assert on_disk <= EXECUTED, f"not executed (or failed): {sorted(on_disk - EXECUTED)}"
