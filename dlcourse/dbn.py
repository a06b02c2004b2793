"""Deep belief nets for chapter 5 (``05_unsupervised/06_deep_belief_net``): a stack of Bernoulli RBMs
(:class:`dlcourse.rbm.BernoulliRBM`, trained greedily, one layer at a time) unrolled into a Keras
classifier and fine-tuned with labels.

The NumPy functions :func:`greedy_layer_inputs` and :func:`balanced_subset` are the reference answers
of the notebook's exercises (``tests/test_dbn.py`` pins them). :func:`build_network` makes the
network that both the DBN and its randomly initialised twin use, and :func:`load_rbm_weights` copies
trained RBMs into its first Dense layers. Shapes: a layer's weights W are (n_in, n_out), its hidden
biases c are (n_out,), a batch is (n, n_in).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .rbm import sigmoid

__all__ = ["greedy_layer_inputs", "balanced_subset", "build_network", "load_rbm_weights"]


def greedy_layer_inputs(data, weights: Sequence, hidden_biases: Sequence) -> list[np.ndarray]:
    """The input of each layer of an RBM stack: [data, p(h1 | data), p(h2 | h1), ...].

    data: (n, d0) floats; weights[i]: (d_i, d_{i+1}); hidden_biases[i]: (d_{i+1},). Returns a list of
    len(weights) float32 arrays: element 0 is the data, element i > 0 is sigmoid(x_{i-1} W_{i-1} +
    c_{i-1}) computed from element i - 1 (hidden PROBABILITIES, not samples). The top layer's output
    is not in the list. Raises ValueError when the lists differ in length or the shapes do not chain.
    """
    if len(weights) != len(hidden_biases):
        raise ValueError(f"{len(weights)} weight matrices but {len(hidden_biases)} bias vectors")
    x = np.asarray(data, dtype=np.float64)
    inputs = []
    for i, (W, c) in enumerate(zip(weights, hidden_biases)):
        W, c = np.asarray(W, dtype=np.float64), np.asarray(c, dtype=np.float64)
        if W.ndim != 2 or x.shape[1] != W.shape[0] or c.shape != (W.shape[1],):
            raise ValueError(f"layer {i}: input has {x.shape[1]} columns, W is {W.shape}, c is {c.shape}")
        inputs.append(x.astype(np.float32))
        x = sigmoid(x @ W + c)
    return inputs


def balanced_subset(labels, per_class: int, seed: int) -> np.ndarray:
    """Indices of a class-balanced random subset: exactly per_class examples of each label value.

    labels: (n,) integer labels; per_class: int >= 1; seed: the seed of np.random.default_rng.
    Within each class (in increasing label order) the indices are drawn without replacement with
    rng.choice. Returns a sorted int64 array of len(np.unique(labels)) * per_class distinct indices;
    the same seed gives the same subset. Raises ValueError when per_class < 1 or a class has fewer
    than per_class examples.
    """
    labels = np.asarray(labels).ravel()
    if int(per_class) < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}")
    rng = np.random.default_rng(seed)
    chosen = []
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        if len(members) < per_class:
            raise ValueError(f"class {value} has {len(members)} examples, fewer than per_class = {per_class}")
        chosen.append(rng.choice(members, size=int(per_class), replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def build_network(input_dim: int, hidden_sizes: Sequence[int], n_classes: int, seed: int = 0, name: str = "dbn"):
    """A Keras MLP: Dense(size, sigmoid) for each hidden size, then Dense(n_classes, softmax).

    Every kernel starts from Glorot-uniform (layer i seeded with seed + i), every bias from 0: the
    random initialisation the DBN is compared with. Not compiled.
    """
    import keras

    layers = [keras.Input((int(input_dim),))]
    for i, size in enumerate(hidden_sizes):
        layers.append(keras.layers.Dense(int(size), activation="sigmoid", name=f"hidden_{i + 1}",
                                         kernel_initializer=keras.initializers.GlorotUniform(seed=seed + i)))
    layers.append(keras.layers.Dense(int(n_classes), activation="softmax", name="softmax",
                                     kernel_initializer=keras.initializers.GlorotUniform(seed=seed + len(hidden_sizes))))
    return keras.Sequential(layers, name=name)


def load_rbm_weights(model, rbms) -> None:
    """Copy each RBM's W and hidden biases c into the model's first len(rbms) Dense layers, in order.

    rbms: objects with ``W`` (n_in, n_out) and ``c`` (n_out,) (e.g. :class:`dlcourse.rbm.BernoulliRBM`).
    The visible biases b are not used: a feed-forward layer only computes p(h | v) = sigmoid(v W + c).
    Raises ValueError when a layer's shapes do not match its RBM's.
    """
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if len(rbms) > len(dense):
        raise ValueError(f"{len(rbms)} RBMs but only {len(dense)} Dense layers")
    for i, (layer, machine) in enumerate(zip(dense, rbms)):
        W, c = np.asarray(machine.W, dtype=np.float32), np.asarray(machine.c, dtype=np.float32)
        kernel, bias = layer.get_weights()
        if kernel.shape != W.shape or bias.shape != c.shape:
            raise ValueError(f"layer {i} ({layer.name}) has kernel {kernel.shape}, RBM {i} has W {W.shape}")
        layer.set_weights([W, c])
