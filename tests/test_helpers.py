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


# --- transfer learning with MobileNet (dlcourse.transfer) ----------------------------------

# MobileNet v1 at alpha 0.25: output channels of the stem (index 0) and of blocks 1-13, written
# out from the paper's table (32, 64, 128, 128, 256, 256, 512 x 6, 1024, 1024, times 0.25).
MOBILENET_025_CHANNELS = [8, 16, 32, 32, 64, 64, 128, 128, 128, 128, 128, 128, 256, 256]


def trainable_in_blocks(first: int) -> int:
    """Trainable parameters of blocks first-13 by hand: depthwise 3x3, BN scale+offset, pointwise 1x1, BN."""
    total = 0
    for block in range(max(first, 1), 14):
        c_in, c_out = MOBILENET_025_CHANNELS[block - 1], MOBILENET_025_CHANNELS[block]
        total += 9 * c_in + 2 * c_in + c_in * c_out + 2 * c_out
    if first == 0:
        total += 27 * 8 + 2 * 8  # the stem: conv 3x3x3x8 without bias, and its BN
    return total


def _data_available(name):
    from dlcourse import data
    return any(state == "available" for n, state, _ in data.status() if n == name)


@pytest.mark.parametrize("name,block", [("conv1", 0), ("conv1_bn", 0), ("conv1_relu", 0), ("conv_pad_4", 4),
                                        ("conv_dw_12_relu", 12), ("conv_pw_13_bn", 13), ("conv_dw_1", 1),
                                        ("input_layer", None), ("conv_dw_1x", None), ("conv10", None)])
def test_mobilenet_block_reads_the_block_from_a_layer_name(name, block):
    from dlcourse.transfer import mobilenet_block
    assert mobilenet_block(name) == block


def test_mobilenet_classifier_is_frozen_but_for_its_head_and_outputs_one_probability():
    from dlcourse.transfer import build_mobilenet_classifier, count_params

    model = build_mobilenet_classifier(64, weights=None)
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    p = np.asarray(model(images))
    assert p.shape == (2, 1) and np.all((p > 0) & (p < 1))
    base = model.get_layer("mobilenet")
    assert base.output.shape == (None, 2, 2, 256) and not base.trainable
    assert count_params(model.trainable_weights) == 256 + 1  # Dense(1) on 256 pooled features
    assert count_params(base.weights) == 218_544  # the parameter count of the registered weights file


@pytest.mark.parametrize("first", [12, 7, 0])
def test_fine_tuning_from_a_block_trains_exactly_that_block_and_the_ones_above(first):
    from dlcourse.transfer import build_mobilenet_classifier, count_params, mobilenet_block

    model = build_mobilenet_classifier(32, weights=None, trainable_from=first)
    base = model.get_layer("mobilenet")
    for layer in base.layers:
        block = mobilenet_block(layer.name)
        assert layer.trainable == (block is not None and block >= first), layer.name
    assert count_params(base.trainable_weights) == trainable_in_blocks(first)
    assert count_params(model.trainable_weights) == trainable_in_blocks(first) + 257


def test_set_trainable_blocks_refreezes_and_rejects_a_block_that_does_not_exist():
    from dlcourse.transfer import build_mobilenet_classifier, set_trainable_blocks

    base = build_mobilenet_classifier(32, weights=None, trainable_from=0).get_layer("mobilenet")
    assert set_trainable_blocks(base, 13) == trainable_in_blocks(13)
    assert set_trainable_blocks(base, None) == 0 and not any(layer.trainable for layer in base.layers)
    with pytest.raises(ValueError, match="from 0 to 13"):
        set_trainable_blocks(base, 14)


def test_mobilenet_classifier_scales_pixels_as_mobilenet_expects():
    import keras

    from dlcourse.transfer import build_mobilenet_classifier

    model = build_mobilenet_classifier(32, weights=None)
    pixels = np.array([[0.0, 127.5, 255.0]], dtype="float32").reshape(1, 1, 1, 3)
    scaled = np.asarray(model.get_layer("to_minus1_1")(pixels))
    np.testing.assert_allclose(scaled, keras.applications.mobilenet.preprocess_input(pixels.copy()), atol=1e-6)
    np.testing.assert_allclose(scaled.ravel(), [-1.0, 0.0, 1.0], atol=1e-6)


def test_mobilenet_classifier_loads_the_registered_imagenet_weights_without_downloading(monkeypatch):
    if not _data_available("weights"):
        pytest.skip("the weights data set is not available here")
    import h5py
    import keras

    from dlcourse.transfer import build_mobilenet_classifier, mobilenet_weights_path

    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("Keras tried to download"))
    model = build_mobilenet_classifier(96)
    with h5py.File(mobilenet_weights_path(), "r") as f:
        stem = f["conv1/conv1/kernel:0"][()]  # Keras 2's layout: <layer>/<layer>/<weight>:0
        last_bn_mean = f["conv_pw_13_bn/conv_pw_13_bn/moving_mean:0"][()]
    base = model.get_layer("mobilenet")
    np.testing.assert_array_equal(np.asarray(base.get_layer("conv1").kernel), stem)
    np.testing.assert_array_equal(np.asarray(base.get_layer("conv_pw_13_bn").moving_mean), last_bn_mean)


def test_load_cats_vs_dogs_yields_float_pixel_batches_and_binary_labels():
    if not _data_available("cats_vs_dogs"):
        pytest.skip("the cats_vs_dogs data set is not available here")
    train, validation = dlcourse.load_cats_vs_dogs(image_size=40, batch_size=3, limit=4)
    batches = list(validation)
    assert [len(y) for _, y in batches] == [3, 3, 2]
    images, labels = batches[0]
    assert images.shape == (3, 40, 40, 3) and images.dtype.name == "float32" and labels.dtype.name == "float32"
    assert 0.0 <= float(np.min(images)) and float(np.max(images)) <= 255.0 and float(np.max(images)) > 1.0
    assert np.concatenate([y for _, y in batches]).tolist() == [0.0] * 4 + [1.0] * 4
    epoch_1 = np.concatenate([y for _, y in train])
    assert sorted(epoch_1.tolist()) == [0.0] * 4 + [1.0] * 4
    first_two = [np.concatenate([np.asarray(x).sum(axis=(1, 2, 3)) for x, _ in train]) for _ in range(2)]
    assert not np.array_equal(*first_two), "the training set should be reshuffled every epoch"
