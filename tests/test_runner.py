"""The checks applied to an executed notebook (dlcourse.runner), on notebooks built here."""

from __future__ import annotations

import nbformat

from dlcourse import runner
from dlcourse.metrics import MIME

TARGETS = {"accuracy": {"smoke": [0.2, 0.9], "full": ">= 0.98"}}


def executed(*cells, banner="Python 3.11.7 | TensorFlow 2.21.0 | seed 42 | SMOKE mode"):
    """A notebook as nbclient leaves it: a setup cell printing ``banner``, then ``cells``
    (dicts of a code cell's fields), each with execution timings two seconds apart."""
    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell("dlcourse.setup()", execution_count=1,
                                      outputs=[nbformat.v4.new_output("stream", name="stdout", text=banner + "\n")])
    nb.cells = [setup] + [nbformat.v4.new_code_cell(**cell) for cell in cells]
    for i, cell in enumerate(nb.cells):
        cell.metadata["execution"] = {"iopub.status.busy": f"2026-01-01T00:00:{2 * i:02d}.000000Z",
                                      "iopub.status.idle": f"2026-01-01T00:00:{2 * i + 1:02d}.500000Z"}
    return nb


def metric(value):
    return nbformat.v4.new_output("display_data", data={MIME: {"name": "accuracy", "value": value, "unit": ""},
                                                        "text/plain": f"accuracy = {value}"})


def test_a_clean_smoke_run_has_no_problems():
    run = runner.analyse(executed({"source": "record()", "execution_count": 2, "outputs": [metric(0.5)]}), "c/n", 3.5)
    assert run.problems(TARGETS, budget=90, smoke=True) == []
    assert runner.cell_seconds(executed({"source": "x", "execution_count": 2})) == 3.5


def test_a_cell_that_raised_is_named_even_when_later_cells_ran():
    # nbgrader runs on after an error (allow_errors); the check must still see it.
    error = nbformat.v4.new_output("error", ename="ValueError", evalue="loss is nan", traceback=[])
    nb = executed({"source": "fit()", "execution_count": 2, "outputs": [error]},
                  {"source": "record()", "execution_count": 3, "outputs": [metric(0.5)]})
    assert runner.analyse(nb, "c/n", 3).problems(TARGETS, smoke=True) == ["code cell 1 raised ValueError: loss is nan"]


def test_unexecuted_cells_missing_metric_and_bounds_are_problems():
    nb = executed({"source": "import sys; sys.exit()", "execution_count": 2}, {"source": "record()"})
    assert runner.analyse(nb, "c/n", 3).problems(TARGETS, smoke=True) == [
        "code cells [2] never ran (a sys.exit or an early stop?)",
        "did not record 'accuracy' (recorded: [])"]
    low = runner.analyse(executed({"source": "record()", "execution_count": 2, "outputs": [metric(0.1)]}), "c/n", 3)
    assert low.problems(TARGETS, smoke=True) == ["accuracy = 0.1 misses its smoke bounds [0.2, 0.9]"]
    assert low.problems({}, smoke=True) == ["has no headline metric in tests/metric_targets.toml"]


def test_budget_and_mode_are_checked():
    nb = executed({"source": "record()", "execution_count": 2, "outputs": [metric(0.5)]})
    assert runner.analyse(nb, "c/n", 120).problems(TARGETS, budget=90) == ["took 120 s, budget 90 s"]
    full = executed({"source": "record()", "execution_count": 2, "outputs": [metric(0.5)]}, banner="Python 3 | seed 42")
    assert runner.analyse(full, "c/n", 3).problems(TARGETS, smoke=True) == ["ran in full mode, expected smoke"]
    silent = executed({"source": "record()", "execution_count": 2, "outputs": [metric(0.99)]}, banner="")
    assert runner.analyse(silent, "c/n", 3).problems(TARGETS, smoke=False) == [
        "its first cell did not print dlcourse.setup()'s versions line"]
