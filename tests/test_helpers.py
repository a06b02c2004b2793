"""The package's small helpers: the smoke switch, metric recording, plots, authoring."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlcourse  # noqa: E402
from dlcourse import authoring, metrics, runner  # noqa: E402


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("YES", True), ("0", False), ("", False)])
def test_smoke_default_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(dlcourse.SMOKE_ENV, value)
    assert dlcourse.smoke_default() is expected


def test_smoke_default_is_off_without_the_variable(monkeypatch):
    monkeypatch.delenv(dlcourse.SMOKE_ENV, raising=False)
    assert dlcourse.smoke_default() is False


def test_recorded_metrics_can_be_read_back_from_a_notebook(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    dlcourse.record("test_accuracy", np.float32(0.75))
    output = nbformat.v4.new_output("display_data", data=shown[0])
    nb = {"cells": [{"cell_type": "code", "outputs": [output]}]}
    assert metrics.read_metrics(nb) == {"test_accuracy": 0.75}
    assert "test_accuracy = 0.75" in shown[0]["text/plain"]


@pytest.mark.parametrize("bad", [float("nan"), math.inf])
def test_record_refuses_a_diverged_value(bad):
    with pytest.raises(ValueError, match="not finite"):
        dlcourse.record("loss", bad)


def test_record_refuses_a_non_number():
    with pytest.raises(TypeError, match="needs a number"):
        dlcourse.record("loss", "low")


@pytest.mark.parametrize("value,target,ok", [(0.99, ">= 0.98", True), (0.97, ">= 0.98", False),
                                             (1e-4, "<= 1e-3", True), (0.5, "< 0.5", False)])
def test_targets_are_compared_as_written(value, target, ok):
    assert runner.meets(value, target) is ok


def test_every_metric_target_has_smoke_bounds_and_a_full_target():
    for notebook, spec in runner.load_targets().items():
        for metric, bounds in spec.items():
            low, high = bounds["smoke"]
            assert low <= high, f"{notebook}:{metric}"
            runner.meets(1.0, bounds["full"])  # parses


def test_plot_loss_curve_labels_its_axes():
    ax = dlcourse.plot_loss_curve([3.0, 2.0, 1.0], log=True, label="train")
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss" and ax.get_yscale() == "log"
    assert len(ax.lines[0].get_xdata()) == 3
    plt.close("all")


def test_plot_learning_curves_draws_training_and_validation():
    ax = dlcourse.plot_learning_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    assert [line.get_label() for line in ax.lines] == ["training loss", "validation loss"]
    assert ax.get_xlabel() == "epoch"
    plt.close("all")


TEXT = '''# %% [markdown]
# # Title
#
# Some *prose*.

# %%
import dlcourse

# %% parameters
SMOKE = False

# %% solution id=square
def square(x):
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION

# %% tests id=square_tests points=2
assert square(3) == 9

# %% [markdown] locked id=why_prompt
# Why?

# %% [markdown] answer id=why points=1
# YOUR ANSWER HERE
'''


def test_authoring_text_becomes_nbgrader_cells_and_back():
    nb = authoring.text_to_notebook(TEXT)
    nbformat.validate(nb)
    kinds = [(c.cell_type, c.metadata.get("nbgrader", {}).get("grade_id"), c.metadata.get("tags")) for c in nb.cells]
    assert kinds == [("markdown", None, None), ("code", None, None), ("code", None, ["parameters"]),
                     ("code", "square", None), ("code", "square_tests", None), ("markdown", "why_prompt", None),
                     ("markdown", "why", None)]
    assert nb.cells[0].source == "# Title\n\nSome *prose*."
    tests = nb.cells[4].metadata.nbgrader
    assert tests["grade"] and tests["locked"] and tests["points"] == 2 and not tests["solution"]
    assert authoring.text_to_notebook(authoring.notebook_to_text(nb)) == nb


def test_read_scalars_reads_back_what_the_keras_tensorboard_callback_wrote(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, validation_split=0.25, epochs=3, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(log_dir=str(tmp_path))])
    scalars = dlcourse.read_scalars(tmp_path)
    train_loss = scalars.query("run == 'train' and tag == 'epoch_loss'")
    assert train_loss["step"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(train_loss["value"], history.history["loss"], rtol=1e-5)
    assert len(scalars.query("run == 'validation' and tag == 'epoch_loss'")) == 3


def test_read_scalars_says_when_there_is_nothing_to_read(tmp_path):
    with pytest.raises(FileNotFoundError, match="no TensorBoard event files"):
        dlcourse.read_scalars(tmp_path)


def test_plot_confusion_matrix_counts_pairs_and_labels_axes():
    import matplotlib.pyplot as plt
    confusion = dlcourse.plot_confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], class_names=["a", "b", "c"])
    np.testing.assert_array_equal(confusion, [[1, 0, 0], [0, 1, 1], [1, 0, 2]])
    ax = plt.gca() if not plt.gcf().axes else plt.gcf().axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    plt.close("all")


def test_show_images_accepts_images_of_different_sizes():
    fig = dlcourse.show_images([np.zeros((8, 8)), np.ones((4, 6, 3))], labels=["a", "b"], n_cols=2)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    plt.close("all")


def test_time_budget_stops_fit_when_the_budget_is_spent():
    import keras

    from dlcourse.callbacks import TimeBudget

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    stopper = TimeBudget(minutes=1 / 60)
    history = model.fit(x, x[:, :1], epochs=100_000, verbose=0, callbacks=[stopper])
    assert stopper.budget_spent and 0 < len(history.history["loss"]) < 100_000
    assert len(stopper.seconds) == len(history.history["loss"])  # one time per epoch run
    roomy = TimeBudget(minutes=10)
    model.fit(x, x[:, :1], epochs=3, verbose=0, callbacks=[roomy])
    assert not roomy.budget_spent and len(roomy.seconds) == 3 and all(s > 0 for s in roomy.seconds)
