"""Helpers for chapter 4's char-RNN notebook (``04_rnn/02_char_rnn_shakespeare``).

The notebook's exercises are written by the student; the reference versions here
(:func:`make_windows`, :func:`sample_with_temperature`, :func:`ngram_nll`) let the rest of the
notebook run before they are (see :func:`solved_or`), and are what ``tests/test_text.py`` pins.
Also here: the statistics that describe a generated sample (:func:`sample_stats`), a Keras
callback that logs the minutes of training so a resumed run keeps its clock
(:class:`ElapsedMinutes`), and the figure of validation loss against the baselines.

Text is handled as integer ids: ``ids[i]`` is the index of character ``i`` in the sorted
vocabulary. This module imports Keras (for the callback), so ``import dlcourse`` does not load it.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter

import keras
import numpy as np

from .notebook import solved_or  # noqa: F401  (re-exported)

LN2 = math.log(2.0)


# --- the exercises' reference versions ----------------------------------------------------------

def make_windows(ids, seq_len: int, stride: int | None = None):
    """(input, target) windows of a 1-D id sequence, the target shifted by one character.

    ids: 1-D integer array (n,). seq_len: characters per window (> 0). stride: characters between
    the starts of consecutive windows (default ``seq_len``: windows side by side, each character
    a target once). Window ``j`` starts at ``s = j * stride``: ``inputs[j] = ids[s : s + seq_len]``,
    ``targets[j] = ids[s + 1 : s + seq_len + 1]``; every window that fits is returned, so there are
    ``(n - 1 - seq_len) // stride + 1`` of them when ``n > seq_len`` and none otherwise.
    Returns two int32 arrays of shape (n_windows, seq_len).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be 1-D, got shape {ids.shape}")
    stride = seq_len if stride is None else stride
    if seq_len <= 0 or stride <= 0:
        raise ValueError(f"seq_len and stride must be positive, got {seq_len} and {stride}")
    n_windows = max(0, (len(ids) - 1 - seq_len) // stride + 1) if len(ids) > seq_len else 0
    starts = np.arange(n_windows) * stride
    index = starts[:, None] + np.arange(seq_len)[None, :]
    return ids[index].astype(np.int32), ids[index + 1].astype(np.int32)


def softmax(logits, axis=-1):
    """Softmax along ``axis``, stable for large logits (the maximum is subtracted first)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def sample_with_temperature(logits, temperature: float, rng):
    """Draw one id per row from softmax(logits / temperature).

    logits: float array (..., V). temperature: >= 0; 0 means argmax (no randomness, rng unused).
    rng: a numpy Generator, the only source of randomness. Returns an int64 array of shape
    logits.shape[:-1] (a 0-d array for 1-D logits). Stable for tiny temperatures and huge logits.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return np.argmax(logits, axis=-1).astype(np.int64)
    p = softmax(logits / temperature)
    cdf = np.cumsum(p, axis=-1)
    u = rng.random(size=p.shape[:-1] + (1,))
    # inverse CDF: the first id whose cumulative probability passes u (clipped against rounding)
    ids = np.sum(cdf < u * cdf[..., -1:], axis=-1)
    return np.minimum(ids, p.shape[-1] - 1).astype(np.int64)


def _context_keys(ids, n: int, vocab_size: int):
    """For every position i >= n - 1: the (n-1)-character context before i as one int64, and the
    n-gram ending at i as one int64 (base-vocab_size digits)."""
    ids = np.asarray(ids, dtype=np.int64)
    m = len(ids) - (n - 1)
    if m <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    context = np.zeros(m, dtype=np.int64)
    for j in range(n - 1):
        context = context * vocab_size + ids[j:j + m]
    return context, context * vocab_size + ids[n - 1:]


def ngram_nll(train_ids, eval_ids, n: int, vocab_size: int, k: float = 1.0) -> float:
    """Mean negative log-likelihood (nats per character) of eval_ids under an add-k n-gram model
    counted on train_ids.

    P(c | context) = (count(context + c) + k) / (count(context) + k * vocab_size), where the
    context is the n - 1 characters before c and the counts are over every position of train_ids
    that has a full context (for n = 1 the context is empty and count(context) = len(train_ids)).
    Averaged over the positions i = n - 1, ..., len(eval_ids) - 1 of eval_ids. k > 0.
    """
    if n < 1 or k <= 0:
        raise ValueError(f"need n >= 1 and k > 0, got n={n}, k={k}")
    if vocab_size ** n >= 2 ** 62:
        raise ValueError(f"vocab_size ** n is too large for int64 keys (n={n})")
    train_context, train_gram = _context_keys(train_ids, n, vocab_size)
    eval_context, eval_gram = _context_keys(eval_ids, n, vocab_size)
    if len(eval_gram) == 0:
        raise ValueError(f"eval_ids needs more than n - 1 = {n - 1} characters")

    def counts_of(keys, table):
        unique, counts = np.unique(table, return_counts=True)
        where = np.clip(np.searchsorted(unique, keys), 0, max(len(unique) - 1, 0))
        found = (unique[where] == keys) if len(unique) else np.zeros(len(keys), bool)
        return np.where(found, counts[where] if len(unique) else 0, 0)

    numerator = counts_of(eval_gram, train_gram) + k
    denominator = counts_of(eval_context, train_context) + k * vocab_size
    return float(np.mean(np.log(denominator) - np.log(numerator)))


# --- notebook plumbing --------------------------------------------------------------------------

# solved_or lives in dlcourse.notebook; imported here so the notebook's cells can write
# `text.solved_or(...)` beside the module's reference functions.



def nats_to_bits(nats):
    """Nats per character to bits per character (divide by ln 2)."""
    return np.asarray(nats) / LN2 if np.ndim(nats) else float(nats) / LN2


WORD = re.compile(r"[A-Za-z']+")


def words(text: str) -> list[str]:
    """The words of a text: runs of letters and apostrophes, lower-cased."""
    return [w.lower() for w in WORD.findall(text)]


def sample_stats(sample: str, known_words: set, n: int = 10) -> dict:
    """What a generated sample looks like, in numbers.

    distinct_chars: how many different characters it uses. known_words: the share of its words
    (see :func:`words`) that occur in ``known_words`` (e.g. the training text's words).
    repeated_ngrams: the share of its character n-grams (all ``len(sample) - n + 1`` positions)
    whose n-gram occurs more than once in the sample: loops and stock phrases raise it.
    """
    ws = words(sample)
    grams = [sample[i:i + n] for i in range(len(sample) - n + 1)]
    counts = Counter(grams)
    return {
        "distinct_chars": len(set(sample)),
        "known_words": float(np.mean([w in known_words for w in ws])) if ws else float("nan"),
        "repeated_ngrams": float(np.mean([counts[g] > 1 for g in grams])) if grams else float("nan"),
    }


class ElapsedMinutes(keras.callbacks.Callback):
    """Adds ``minutes`` (wall-clock minutes since fit began, plus ``start_minutes``) to each epoch's
    logs, so that a CSVLogger placed after it records the training clock, and a resumed run
    continues the clock where the interrupted one stopped."""

    def __init__(self, start_minutes: float = 0.0):
        super().__init__()
        self.start_minutes = float(start_minutes)

    def on_train_begin(self, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["minutes"] = self.start_minutes + (time.perf_counter() - self.t0) / 60


def plot_against_baselines(minutes, train_nats, val_nats, baselines: dict, target: float | None = None,
                           ax=None, title="Char-RNN learning curves against the count-based baselines"):
    """Training and validation loss (nats/char) against minutes of training, with each baseline
    ``{name: nats}`` as a horizontal line, the target as a dotted one, and bits/char on the right.

    minutes, train_nats, val_nats: equal-length sequences, one value per epoch. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.6))
    ax.plot(minutes, train_nats, "-o", ms=3, label="training (mean over the epoch)")
    ax.plot(minutes, val_nats, "-s", ms=4, label="validation (last 10 % of the text)")
    styles = iter(["--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1))])
    for (name, value), colour in zip(baselines.items(), ["tab:gray", "tab:brown", "tab:purple", "tab:olive", "tab:cyan"]):
        ax.axhline(value, color=colour, ls=next(styles), lw=1.2, label=f"{name}: {value:.3f}")
    if target is not None:
        ax.axhline(target, color="tab:red", ls=":", lw=1.5, label=f"target: {target:.2f}")
    ax.set(title=title, xlabel="minutes of training (wall clock, validation included)",
           ylabel="cross-entropy (nats per character)")
    right = ax.secondary_yaxis("right", functions=(lambda x: x / LN2, lambda x: x * LN2))
    right.set_ylabel("bits per character")
    ax.legend(fontsize=8, loc="upper right")
    return ax
