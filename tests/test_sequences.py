"""The recurrent-cell helpers (dlcourse/sequences.py): the five-shapes figure and random layer weights."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse import sequences  # noqa: E402


def test_draw_sequence_shapes_draws_the_five_titled_panels():
    axes = sequences.draw_sequence_shapes()
    assert [ax.get_title() for ax in axes] == [name for name, *_ in sequences.SEQUENCE_SHAPES]
    assert all(ax.get_xlabel().startswith("time step") for ax in axes)
    assert axes[0].figure.get_suptitle()
    plt.close("all")


@pytest.mark.parametrize("index", range(5))
def test_each_panel_has_one_box_per_state_input_and_output(index):
    _, steps, inputs, outputs, _ = sequences.SEQUENCE_SHAPES[index]
    ax = sequences.draw_sequence_shapes()[index]
    colours = [matplotlib.colors.to_hex(patch.get_facecolor()) for patch in ax.patches]
    assert colours.count(sequences.COLOURS["state"]) == steps
    assert colours.count(sequences.COLOURS["input"]) == len(inputs)
    assert colours.count(sequences.COLOURS["output"]) == len(outputs)
    # one arrow per input, per output and between consecutive states
    assert len(ax.texts) == len(inputs) + len(outputs) + steps - 1
    plt.close("all")


def test_draw_sequence_shapes_rejects_the_wrong_number_of_axes():
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="needs 5 axes"):
        sequences.draw_sequence_shapes(axes)
    plt.close("all")


def test_set_random_weights_fills_every_weight_biases_included():
    import keras

    layer = keras.layers.LSTM(3)
    layer(np.zeros((1, 2, 4), np.float32))
    weights = sequences.set_random_weights(layer, seed=1)
    assert [w.shape for w in weights] == [(4, 12), (3, 12), (12,)]
    for mine, stored in zip(weights, layer.get_weights()):
        np.testing.assert_array_equal(mine, stored)
    assert np.all(layer.get_weights()[2] != 0) and weights[0].dtype == np.float32
    again = sequences.set_random_weights(layer, seed=1)
    np.testing.assert_array_equal(again[1], weights[1])  # a seed fixes the draw


def test_set_random_weights_asks_for_a_built_layer():
    import keras

    with pytest.raises(ValueError, match="no weights yet"):
        sequences.set_random_weights(keras.layers.GRU(2))



def test_the_shapes_table_matches_karpathys_five_cases():
    shapes = {name: (steps, inputs, outputs) for name, steps, inputs, outputs, _ in sequences.SEQUENCE_SHAPES}
    assert shapes["one-to-one"] == (1, [0], [0])
    assert shapes["one-to-many"][1] == [0] and len(shapes["one-to-many"][2]) > 1
    assert len(shapes["many-to-one"][1]) > 1 and shapes["many-to-one"][2] == [shapes["many-to-one"][0] - 1]
    _, inputs, outputs = shapes["many-to-many, unsynced"]
    assert min(outputs) > max(inputs), "unsynced: the network reads everything before it writes"
    _, inputs, outputs = shapes["many-to-many, synced"]
    assert inputs == outputs, "synced: one output per input step"
