"""The deep-belief-net helpers of chapter 5 (dlcourse/dbn.py): the stack's layer inputs, the balanced
label subset, the Keras network and the copy of RBM weights into it."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse import dbn as D
from dlcourse import rbm as R


def stack(seed=0, sizes=(5, 4, 3, 2), n=6):
    rng = np.random.default_rng(seed)
    data = rng.uniform(size=(n, sizes[0]))
    weights = [rng.normal(0, 1, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0, 1, b) for b in sizes[1:]]
    return data, weights, biases


def test_greedy_layer_inputs_chains_hidden_probabilities_from_the_data_up():
    data, weights, biases = stack()
    got = D.greedy_layer_inputs(data, weights, biases)
    assert len(got) == 3 and all(x.dtype == np.float32 for x in got)
    np.testing.assert_allclose(got[0], data, rtol=1e-6)
    h1 = 1 / (1 + np.exp(-(data @ weights[0] + biases[0])))
    h2 = 1 / (1 + np.exp(-(h1 @ weights[1] + biases[1])))
    np.testing.assert_allclose(got[1], h1, rtol=1e-5)
    np.testing.assert_allclose(got[2], h2, rtol=1e-5)
    assert [x.shape for x in got] == [(6, 5), (6, 4), (6, 3)]


def test_greedy_layer_inputs_rejects_shapes_that_do_not_chain():
    data, weights, biases = stack()
    with pytest.raises(ValueError):
        D.greedy_layer_inputs(data, weights, biases[:2])
    with pytest.raises(ValueError):
        D.greedy_layer_inputs(data, [weights[1], weights[0]], [biases[1], biases[0]])
    assert D.greedy_layer_inputs(data, [], []) == []


def test_balanced_subset_has_per_class_of_each_label_sorted_and_seeded():
    labels = np.repeat(np.arange(4), [10, 7, 12, 5])
    np.random.default_rng(1).shuffle(labels)
    idx = D.balanced_subset(labels, 5, seed=3)
    assert idx.dtype == np.int64 and np.all(np.diff(idx) > 0)
    assert np.bincount(labels[idx]).tolist() == [5, 5, 5, 5]
    np.testing.assert_array_equal(idx, D.balanced_subset(labels, 5, seed=3))
    assert any(not np.array_equal(idx, D.balanced_subset(labels, 5, seed=s)) for s in range(4, 8))


def test_balanced_subset_refuses_a_class_that_is_too_small_and_a_non_positive_count():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    with pytest.raises(ValueError, match="class 1"):
        D.balanced_subset(labels, 3, seed=0)
    with pytest.raises(ValueError):
        D.balanced_subset(labels, 0, seed=0)


def test_build_network_is_sigmoid_layers_and_a_softmax_seeded_by_glorot():
    a = D.build_network(6, [5, 4], 3, seed=2)
    b = D.build_network(6, [5, 4], 3, seed=2)
    assert [layer.units for layer in a.layers] == [5, 4, 3]
    assert [layer.activation.__name__ for layer in a.layers] == ["sigmoid", "sigmoid", "softmax"]
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_array_equal(la.get_weights()[0], lb.get_weights()[0])
    limit = np.sqrt(6 / (6 + 5))
    assert np.abs(a.layers[0].get_weights()[0]).max() <= limit
    assert not np.allclose(a.layers[0].get_weights()[0], D.build_network(6, [5, 4], 3, seed=9).layers[0].get_weights()[0])


def test_load_rbm_weights_makes_the_dense_layer_compute_the_rbm_hidden_probabilities():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(7, 6)).astype(np.float32)
    first, second = R.BernoulliRBM(6, 5, seed=1, weight_std=0.5), R.BernoulliRBM(5, 4, seed=2, weight_std=0.5)
    first.c.assign(rng.normal(0, 1, 5).astype(np.float32))
    model = D.build_network(6, [5, 4, 8], 3, seed=0)
    untouched = model.layers[2].get_weights()[0].copy()
    D.load_rbm_weights(model, [first, second])
    import keras
    top = keras.Model(model.inputs, model.layers[1].output)
    np.testing.assert_allclose(top.predict(x, verbose=0), second.transform(first.transform(x)), atol=1e-6)
    np.testing.assert_array_equal(model.layers[2].get_weights()[0], untouched)
    with pytest.raises(ValueError):
        D.load_rbm_weights(model, [second])
