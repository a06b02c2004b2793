"""Plots that more than one notebook draws. Each returns the Axes so a cell can add to it."""

from __future__ import annotations

import numpy as np


def _axes(ax):
    import matplotlib.pyplot as plt
    return ax if ax is not None else plt.subplots()[1]


def plot_loss_curve(losses, ax=None, label=None, title="Training loss", xlabel="step",
                    ylabel="loss", log=False):
    """Plot one loss per step (a list or 1-D array). ``log=True`` uses a log scale for the loss."""
    ax = _axes(ax)
    ax.plot(np.arange(len(losses)), np.asarray(losses, dtype=float), label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    if label:
        ax.legend()
    return ax


def plot_learning_curves(history, metrics=("loss",), ax=None, title="Learning curves"):
    """Training and validation curves from a Keras ``History`` (or its ``.history`` dict)."""
    from matplotlib.ticker import MaxNLocator

    curves = getattr(history, "history", history)
    ax = _axes(ax)
    for metric in metrics:
        epochs = np.arange(1, len(curves[metric]) + 1)
        ax.plot(epochs, curves[metric], "-o", ms=3, label=f"training {metric}")
        if f"val_{metric}" in curves:
            ax.plot(epochs, curves[f"val_{metric}"], "-s", ms=3, label=f"validation {metric}")
    ax.set(title=title, xlabel="epoch", ylabel=", ".join(metrics))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 1.5 on short runs
    ax.legend()
    return ax


def plot_functions(xs, functions: dict, ax=None, title="", xlabel="x", ylabel="f(x)"):
    """Plot several named functions of the same inputs: ``{"ReLU": relu, ...}``."""
    ax = _axes(ax)
    for name, fn in functions.items():
        ax.plot(xs, np.asarray(fn(xs)), label=name)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax


def show_images(images, labels=None, n_cols=8, cmap="gray", title=None, signed=False):
    """A grid of images (an array (N, H, W) or (N, H, W, C), or a list of arrays of any sizes),
    each captioned with its label if given.

    ``signed=True`` is for images whose values have a sign (principal axes, eigenfaces): each gets
    its own colour scale, symmetric about 0, so that with a diverging ``cmap`` such as "RdBu_r"
    white is 0, red positive and blue negative."""
    import matplotlib.pyplot as plt
    images = list(images)
    n_rows = int(np.ceil(len(images) / n_cols))
    # Room under each row for its captions, so the next row's images do not cover them.
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.3 * n_cols, 1.75 * n_rows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            if signed:
                limit = float(np.abs(images[i]).max()) or 1.0
                ax.imshow(images[i], cmap=cmap, vmin=-limit, vmax=limit)
            else:
                ax.imshow(images[i], cmap=cmap)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names=None, ax=None, title="Confusion matrix", log=True):
    """Counts of (true class, predicted class) as a heatmap with the counts written in.

    y_true, y_pred: integer labels of the same length. Rows are true classes, columns predictions;
    ``log=True`` colours on a log scale so a handful of mistakes stays visible beside the diagonal.
    Returns the confusion matrix (n_classes, n_classes) as an int array.
    """
    import matplotlib.colors
    import matplotlib.pyplot as plt

    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    n = int(max(y_true.max(), y_pred.max()) + 1) if class_names is None else len(class_names)
    confusion = np.zeros((n, n), dtype=int)
    np.add.at(confusion, (y_true, y_pred), 1)
    ax = ax if ax is not None else plt.subplots(figsize=(6.5, 5.5))[1]
    norm = matplotlib.colors.LogNorm(vmin=1, vmax=max(confusion.max(), 2)) if log else None
    image = ax.imshow(np.where(confusion > 0, confusion, np.nan) if log else confusion, cmap="Blues", norm=norm)
    for (i, j), count in np.ndenumerate(confusion):
        if count:
            ax.text(j, i, count, ha="center", va="center", fontsize=7,
                    color="white" if count > confusion.max() / 4 else "black")
    ax.figure.colorbar(image, ax=ax, label="count" + (" (log scale)" if log else ""))
    names = class_names if class_names is not None else range(n)
    ax.set(title=title, xlabel="predicted class", ylabel="true class", xticks=range(n), yticks=range(n))
    ax.set_xticklabels(names, rotation=45 if class_names is not None else 0, ha="right" if class_names is not None else "center")
    ax.set_yticklabels(names)
    ax.grid(False)
    return confusion
