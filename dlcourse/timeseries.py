"""Forecasting helpers for chapter 4's time-series notebook (``04_rnn/04_time_series``).

The notebook's exercises are written by the student; the reference versions here let the rest
of the notebook run before they are (see :func:`solved_or`), and are what ``tests/test_timeseries.py``
pins. Also here: the synthetic series, the two baselines the exercises do not cover (the window
mean), a moving-block bootstrap, and the plot of the Cookbook's Bitcoin recipe (002).

Shapes: a *series* is an array (T, d) of T time steps and d features; a *window batch* is an
array (n, steps, d). Nothing here imports TensorFlow.
"""

from __future__ import annotations


import numpy as np

from .notebook import solved_or  # noqa: F401  (re-exported)

RECIPE_SCALE = 2.5  # the recipe divides by 2.5 standard deviations
RECIPE_EPS = 1e-5   # and adds 0.00001 to the standard deviation


# --- data ------------------------------------------------------------------------------------

def synthetic_series(n_steps: int, periods=(20.0, 7.0), amplitudes=(1.0, 0.5), noise: float = 0.1,
                     level: float = 10.0, second_feature_ratio: float = 1.1, seed: int = 0) -> np.ndarray:
    """A noisy seasonal signal in two features, shaped like the recipe's (USD, EUR) pair.

    Feature 0 is ``level + sum_k amplitudes[k] * sin(2 pi t / periods[k] + phase_k)`` plus
    N(0, noise^2) noise; feature 1 is the same clean signal divided by ``second_feature_ratio``
    with its own noise (as a price in euros is the price in dollars divided by the USD per EUR
    rate). The phases come from ``seed``. Returns float64 of shape (n_steps, 2).
    """
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    if len(periods) != len(amplitudes):
        raise ValueError("periods and amplitudes must have the same length")
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps, dtype=np.float64)
    phases = rng.uniform(0, 2 * np.pi, size=len(periods))
    clean = level + sum(a * np.sin(2 * np.pi * t / p + phase) for a, p, phase in zip(amplitudes, periods, phases))
    first = clean + noise * rng.normal(size=n_steps)
    second = clean / second_feature_ratio + noise * rng.normal(size=n_steps)
    return np.stack([first, second], axis=1)


# --- reference solutions of the notebook's exercises -------------------------------------------

def make_windows(series, in_len: int, out_len: int, split_index: int):
    """(input, target) windows of a series, split in time with no window across the split.

    series: array (T,) or (T, d); a 1-D series is treated as (T, 1). Window i covers steps
    [i, i + in_len) as input and [i + in_len, i + in_len + out_len) as target, stride 1.
    Training windows lie entirely before split_index (i + in_len + out_len <= split_index),
    test windows entirely at or after it (i >= split_index and i + in_len + out_len <= T).
    Returns X_train (n_train, in_len, d), Y_train (n_train, out_len, d), X_test, Y_test as float64
    copies, in time order; n_train = max(0, split_index - in_len - out_len + 1) and
    n_test = max(0, T - split_index - in_len - out_len + 1) (an empty part has 0 windows).
    Raises ValueError unless in_len >= 1, out_len >= 1 and 0 <= split_index <= T.
    """
    data = np.asarray(series, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise ValueError(f"series must have shape (T,) or (T, d), got {np.shape(series)}")
    n_total, n_features = data.shape
    if in_len < 1 or out_len < 1:
        raise ValueError(f"in_len and out_len must be at least 1, got {in_len} and {out_len}")
    if not 0 <= split_index <= n_total:
        raise ValueError(f"split_index must lie in [0, {n_total}], got {split_index}")
    length = in_len + out_len

    def windows(part):
        n = len(part) - length + 1
        if n <= 0:
            return np.zeros((0, in_len, n_features)), np.zeros((0, out_len, n_features))
        starts = np.arange(n)[:, None] + np.arange(length)[None, :]
        both = part[starts]
        return both[:, :in_len].copy(), both[:, in_len:].copy()

    return (*windows(data[:split_index]), *windows(data[split_index:]))


def normalize_windows(X, Y=None):
    """The recipe's normalisation: each input window by its own mean and standard deviation.

    X: (n, in_len, d). Y: None or (n, out_len, d), the targets of the same windows.
    mean = average of X over time (axis 1), std = population standard deviation of X over time
    plus RECIPE_EPS, both of shape (n, 1, d). Returns (X_norm, Y_norm, mean, std) with
    X_norm = (X - mean) / (2.5 * std) and Y_norm = (Y - mean) / (2.5 * std), Y scaled by X's
    statistics (never its own); Y_norm is None when Y is None. A constant window gives zeros.
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=1, keepdims=True)
    std = X.std(axis=1, keepdims=True) + RECIPE_EPS
    X_norm = (X - mean) / (RECIPE_SCALE * std)
    Y_norm = None if Y is None else (np.asarray(Y, dtype=np.float64) - mean) / (RECIPE_SCALE * std)
    return X_norm, Y_norm, mean, std


def denormalize_windows(Y_norm, mean, std):
    """The inverse of :func:`normalize_windows`: Y_norm * 2.5 * std + mean, shapes broadcast as there."""
    return np.asarray(Y_norm, dtype=np.float64) * RECIPE_SCALE * np.asarray(std) + np.asarray(mean)


def persistence_forecast(X, out_len: int):
    """Tomorrow = today: every future step of window n repeats X[n, -1]. X (n, in_len, d) -> (n, out_len, d)."""
    X = np.asarray(X, dtype=np.float64)
    return np.repeat(X[:, -1:, :], out_len, axis=1)


def drift_forecast(X, out_len: int):
    """Extend the line from the window's first to its last value: step h (1, 2, ...) ahead is
    X[n, -1] + h * (X[n, -1] - X[n, 0]) / (in_len - 1); with in_len = 1 it is persistence.
    X (n, in_len, d) -> (n, out_len, d)."""
    X = np.asarray(X, dtype=np.float64)
    in_len = X.shape[1]
    slope = (X[:, -1:, :] - X[:, :1, :]) / (in_len - 1) if in_len > 1 else np.zeros_like(X[:, :1, :])
    steps = np.arange(1, out_len + 1, dtype=np.float64)[None, :, None]
    return X[:, -1:, :] + steps * slope


def window_mean_forecast(X, out_len: int):
    """Every future step is the input window's mean. X (n, in_len, d) -> (n, out_len, d)."""
    X = np.asarray(X, dtype=np.float64)
    return np.repeat(X.mean(axis=1, keepdims=True), out_len, axis=1)


def mae(y_true, y_pred) -> float:
    """Mean absolute error over every entry."""
    return float(np.mean(np.abs(np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64))))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error over every entry."""
    return float(np.sqrt(np.mean((np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)) ** 2)))


def mase(y_true, y_pred, y_train, m: int = 1) -> float:
    """Mean absolute scaled error (Hyndman and Koehler, 2006).

    MAE of the forecasts divided by the in-sample MAE of the seasonal naive forecast on the
    training series, mean(|y_train[t] - y_train[t - m]|). y_true, y_pred: arrays of one shape;
    y_train: 1-D, longer than m. Below 1: better than the training period's m-step naive forecast.
    Raises ValueError when that scale is 0 (a constant training series).
    """
    y_train = np.asarray(y_train, dtype=np.float64)
    if y_train.ndim != 1 or len(y_train) <= m:
        raise ValueError(f"y_train must be 1-D and longer than m={m}, got shape {y_train.shape}")
    scale = np.mean(np.abs(y_train[m:] - y_train[:-m]))
    if scale == 0:
        raise ValueError("the training series is constant: the naive forecast is perfect and MASE is undefined")
    return mae(y_true, y_pred) / float(scale)


def dm_test(e1, e2, h: int = 1, power: int = 1):
    """Diebold-Mariano test of equal accuracy for two forecasts of the same targets (1995).

    e1, e2: 1-D arrays of n forecast errors (target - forecast), in time order. The loss
    differential is d_t = |e1_t|^power - |e2_t|^power; the statistic is mean(d) / sqrt(V / n)
    with V = gamma_0 + 2 * sum_{k=1}^{h-1} gamma_k and gamma_k = (1/n) sum_{t=k}^{n-1}
    (d_t - mean(d)) (d_{t-k} - mean(d)) (autocovariances up to lag h - 1, for h-step forecasts).
    Returns (statistic, p_value) as floats, p two-sided from the normal distribution. A positive
    statistic means forecast 1 has the larger loss. Raises ValueError if V <= 0.
    """
    from scipy import stats

    e1, e2 = np.asarray(e1, dtype=np.float64), np.asarray(e2, dtype=np.float64)
    if e1.shape != e2.shape or e1.ndim != 1:
        raise ValueError(f"e1 and e2 must be 1-D of the same length, got {e1.shape} and {e2.shape}")
    d = np.abs(e1) ** power - np.abs(e2) ** power
    n = len(d)
    centred = d - d.mean()
    gammas = [np.sum(centred[k:] * centred[:n - k]) / n for k in range(min(h, n))]
    variance = gammas[0] + 2 * sum(gammas[1:])
    if variance <= 0:
        raise ValueError("the loss differential's estimated variance is not positive: no DM statistic")
    statistic = d.mean() / np.sqrt(variance / n)
    return float(statistic), float(2 * stats.norm.sf(abs(statistic)))


def moving_block_bootstrap_ci(d, block: int, n_boot: int = 2000, level: float = 0.95, seed: int = 0):
    """Percentile interval of mean(d) from a moving-block bootstrap (Kuensch, 1989).

    d: 1-D array, e.g. per-window loss differences in time order. Each resample glues together
    ceil(n / block) blocks of ``block`` consecutive values, each starting at a uniformly drawn
    index in [0, n - block], and keeps the first n values, so that autocorrelation within a block
    survives. Returns (low, high) as floats.
    """
    d = np.asarray(d, dtype=np.float64)
    n = len(d)
    if not 1 <= block <= n:
        raise ValueError(f"block must lie in [1, {n}], got {block}")
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    index = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    means = d[index].mean(axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


# --- notebook plumbing -------------------------------------------------------------------------

# solved_or lives in dlcourse.notebook; imported here so the notebook's cells can write
# `timeseries.solved_or(...)` beside the module's reference functions.



def plot_forecasts(past, true_future, predictions, feature_names=("USD", "EUR"), ylabel="value",
                   xlabel="time step", title="Predictions v.s. true values", extra=None):
    """The recipe's picture of forecasts, one row of axes per window.

    past (n, in_len, d), true_future and predictions (n, out_len, d): past values 'o--b', true
    future values 'x--b', predictions 'o--y', every feature on the same axes, as in the recipe.
    ``extra``: optional {label: (n, out_len, d) array} of other forecasts, drawn as thin lines.
    Returns the figure.
    """
    import matplotlib.pyplot as plt

    past, true_future, predictions = (np.asarray(a) for a in (past, true_future, predictions))
    n, in_len, d = past.shape
    fig, axes = plt.subplots(n, 1, figsize=(12, 3 * n), squeeze=False)
    future_x = np.arange(in_len, in_len + true_future.shape[1])
    for j, ax in enumerate(axes[:, 0]):
        for k in range(d):
            first = k == 0
            ax.plot(np.arange(in_len), past[j, :, k], "o--b", ms=3, label="Seen (past) values" if first else None)
            ax.plot(future_x, true_future[j, :, k], "x--b", ms=4, label="True future values" if first else None)
            ax.plot(future_x, predictions[j, :, k], "o--y", ms=3, label="Predictions" if first else None)
            for i, (name, forecast) in enumerate((extra or {}).items()):
                ax.plot(future_x, np.asarray(forecast)[j, :, k], "-", lw=1, color=f"C{i + 2}",
                        label=name if first else None)
            ax.annotate(feature_names[k], (in_len - 1, past[j, -1, k]), xytext=(-28, 6),
                        textcoords="offset points", fontsize=8)
        ax.set(title=f"{title} (test window {j + 1})", xlabel=xlabel, ylabel=ylabel)
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig
