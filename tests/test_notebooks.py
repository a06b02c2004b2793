"""Execution: every solution notebook runs headless in smoke mode, within its time budget, every
code cell executed without an error, and its recorded metrics within smoke-level bounds.

The run checked is the one that grades it: the chapter's round trip (tests/conftest.py) autogrades
the solution version through nbgrader with `DLCOURSE_SMOKE=1`, executing each notebook with nbclient,
the engine papermill drives too. So each solution notebook runs once for both the grade and these
checks. Papermill itself, which `make full` uses, is checked on a small notebook below.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from conftest import budget
from dlcourse import grading, runner

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[1]
TARGETS = runner.load_targets()


def key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_solution_notebook_runs_in_smoke_mode(master, round_trips, record_property):
    result = round_trips.get(master.parent.name)
    executed = result.graded("solution") / master.name
    assert executed.exists(), f"the round trip did not grade {key(master)}"
    run = runner.read_run(executed, key(master))
    record_property("notebook", key(master))
    record_property("smoke_seconds", run.seconds)
    problems = run.problems(TARGETS.get(key(master), {}), budget=budget(key(master)), smoke=True)
    assert not problems, f"{key(master)} (executed copy: {executed}):\n  " + "\n  ".join(problems)


def test_every_solution_notebook_of_the_chapter_was_executed(chapter, round_trips):
    """Nothing under solutions/<chapter>/ escapes the checks above: each is a master's solution
    version, and the round trip graded (executed) every one of them."""
    masters = {p.name for p in grading.masters_dir(chapter).glob("*.ipynb")}
    on_disk = {p.name for p in (REPO_ROOT / "solutions" / chapter).glob("*.ipynb")}
    assert masters, f"{chapter} has no masters"
    if chapter in grading.chapters():
        assert on_disk == masters, f"solutions/{chapter}/ differs from the masters: run make release"
    executed = {p.name for p in round_trips.get(chapter).graded("solution").glob("*.ipynb")}
    assert executed == masters, f"not executed: {sorted(masters - executed)}"


# --- papermill, as `make full` uses it -----------------------------------------------------

def _tiny_notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(grading.KERNELSPEC)
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.cells[1].metadata["tags"] = ["parameters"]
    return nb


def test_papermill_injects_smoke_and_the_checks_read_its_run(tmp_path):
    # The setup line is printed by hand: importing TensorFlow would make this test 10 s slower.
    nb = _tiny_notebook(["print('Python 3 | TensorFlow - | SMOKE mode' if __import__('os').environ.get("
                         "'DLCOURSE_SMOKE') == '1' else 'Python 3 | TensorFlow -')",
                         "SMOKE = False",
                         "import dlcourse\ndlcourse.record('steps', 10 if SMOKE else 1000)"])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    targets = {"steps": {"smoke": [5, 20], "full": ">= 1000"}}
    smoke = runner.execute(path, tmp_path / "smoke.ipynb", smoke=True, timeout=60)
    assert smoke.metrics == {"steps": 10.0}, "papermill did not inject SMOKE = True after the parameters cell"
    assert smoke.problems(targets, budget=60, smoke=True) == []
    assert "steps = 10.0 misses its full target >= 1000" in smoke.problems(targets, smoke=False)
    full = runner.execute(path, tmp_path / "full.ipynb", smoke=False, timeout=60)
    assert full.metrics == {"steps": 1000.0} and full.problems(targets, smoke=False) == []
    assert 0 < runner.cell_seconds(nbformat.read(tmp_path / "full.ipynb", as_version=4)) < 60


def test_papermill_run_that_raises_is_a_problem_naming_the_cell(tmp_path):
    nb = _tiny_notebook(["print('Python 3')", "SMOKE = False", "raise ValueError('diverged')", "x = 1"])
    nbformat.write(nb, tmp_path / "bad.ipynb")
    run = runner.execute(tmp_path / "bad.ipynb", tmp_path / "out.ipynb", smoke=True, timeout=60)
    problems = run.problems({}, smoke=True)
    assert any("failed" in p and "diverged" in p for p in problems), problems
    assert any("never ran" in p for p in problems), problems
