"""Helpers for the recurrent-cell notebook (04_rnn/01_recurrent_cells): the figure of the five
sequence shapes and random weights for a built Keras layer.

What a student should read (the cells, the unrolling loop, the gradient measurements) stays in the
notebook; this module only holds code that teaches nothing about recurrent networks.
"""

from __future__ import annotations

import numpy as np

# The five shapes of Karpathy's diagram, as the Cookbook (002) lists them under 向量序列的运算:
# (title, number of time steps drawn, steps that receive an input, steps that emit an output, example).
SEQUENCE_SHAPES = [
    ("one-to-one", 1, [0], [0], "image → class\n(a Dense layer, no recurrence)"),
    ("one-to-many", 3, [0], [0, 1, 2], "one vector → a sequence\n(image → caption)"),
    ("many-to-one", 3, [0, 1, 2], [2], "sequence → one vector\n(sentence → sentiment)"),
    ("many-to-many, unsynced", 5, [0, 1, 2], [3, 4], "read all, then write\n(machine translation)"),
    ("many-to-many, synced", 3, [0, 1, 2], [0, 1, 2], "one output per step\n(label every video frame)"),
]
COLOURS = {"input": "#e06666", "state": "#6aa84f", "output": "#4a86e8"}


def draw_sequence_shapes(axes=None):
    """Draw the five sequence shapes side by side: inputs (red) at the bottom, the recurrent state
    (green) in the middle, outputs (blue) on top; arrows show what feeds what.

    axes: None (a new figure) or a sequence of 5 Matplotlib Axes. Returns the list of 5 Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Patch

    if axes is None:
        widths = [max(2, steps) for _, steps, *_ in SEQUENCE_SHAPES]
        fig, axes = plt.subplots(1, 5, figsize=(15, 4.2), gridspec_kw={"width_ratios": widths})
    axes = list(axes)
    if len(axes) != len(SEQUENCE_SHAPES):
        raise ValueError(f"draw_sequence_shapes needs {len(SEQUENCE_SHAPES)} axes, got {len(axes)}")
    box, rows = 0.6, {"input": 0.0, "state": 1.2, "output": 2.4}

    def square(ax, col, row):
        ax.add_patch(FancyBboxPatch((col - box / 2, rows[row] - box / 2), box, box,
                                    boxstyle="round,pad=0.02", facecolor=COLOURS[row], edgecolor="black", lw=1))

    def arrow(ax, start, end):
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "lw": 1.5, "color": "black"})

    for ax, (title, steps, inputs, outputs, example) in zip(axes, SEQUENCE_SHAPES):
        for col in range(steps):
            square(ax, col, "state")
            if col in inputs:
                square(ax, col, "input")
                arrow(ax, (col, rows["input"] + box / 2), (col, rows["state"] - box / 2))
            if col in outputs:
                square(ax, col, "output")
                arrow(ax, (col, rows["state"] + box / 2), (col, rows["output"] - box / 2))
            if col + 1 < steps:
                arrow(ax, (col + box / 2, rows["state"]), (col + 1 - box / 2, rows["state"]))
        half = max(2, steps) / 2
        centre = (steps - 1) / 2
        ax.set(xlim=(centre - half, centre + half), ylim=(-0.6, 3.0), title=title, xticks=[], yticks=[])
        ax.set_xlabel("time step →\n" + example, fontsize=9)
        ax.set_aspect("equal")
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
    axes[0].figure.legend(handles=[Patch(facecolor=COLOURS[k], edgecolor="black", label=label) for k, label in
                                   [("input", "input vector"), ("state", "recurrent state (the cell)"),
                                    ("output", "output vector")]],
                          loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.02))
    axes[0].figure.suptitle("The five sequence shapes (Karpathy's diagram, as in the Cookbook)", y=1.08)
    return axes


def set_random_weights(layer, seed=0, scale=0.5):
    """Overwrite every weight of a built Keras layer with draws from N(0, scale²), biases included,
    so that a comparison also checks the biases (Keras initialises them to zero, or one for the
    LSTM's forget gate). Returns the new weights as a list of float32 arrays, in get_weights() order.
    """
    if not layer.weights:
        raise ValueError(f"layer {layer.name!r} has no weights yet: call it on an input (or build it) first")
    rng = np.random.default_rng(seed)
    weights = [rng.normal(scale=scale, size=w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights

