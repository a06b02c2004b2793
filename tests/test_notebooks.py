"""Execution: every solution notebook runs in smoke mode, within its time budget, every code
cell executed, and its recorded metrics within smoke-level bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NOTEBOOK_TIMES
from dlcourse import runner

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = runner.solution_notebooks()
TARGETS = runner.load_targets()
DEFAULT_BUDGET_S = 90
BUDGETS_S: dict[str, float] = {}  # per-notebook exceptions, "chapter/notebook.ipynb" -> seconds
EXECUTED: set[str] = set()


def key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=key)
def test_solution_notebook_runs_in_smoke_mode(notebook, tmp_path):
    budget = BUDGETS_S.get(key(notebook), DEFAULT_BUDGET_S)
    run = runner.execute(notebook, tmp_path / notebook.name, smoke=True, timeout=budget)
    NOTEBOOK_TIMES[key(notebook)] = run.seconds
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


def test_every_solution_notebook_was_executed():
    on_disk = {key(p) for p in REPO_ROOT.glob("solutions/*/*.ipynb")}
    assert on_disk, "no solution notebooks found"
    assert on_disk <= EXECUTED, f"not executed (or failed): {sorted(on_disk - EXECUTED)}"
