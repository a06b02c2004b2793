"""Helpers for chapter 5's RBM recommender notebook (``05_unsupervised/05_rbm_recommender``).

The notebook's two exercises are written by the student; the reference versions here
(:func:`masked_rmse`, :func:`bias_baseline_predict`) let the rest of the notebook run before they
are (see :func:`solved_or`), and are what ``tests/test_recommender.py`` pins. Also here: the
id-to-index coding of users and movies, the one-hot rating tensor an RBM with softmax visible
units reads, a validation split, RMSE/MAE, the published reference figures and the bar plot of
the results table.

Conventions: users and movies are coded as contiguous indices 0..n-1 by :class:`RatingCodes`;
``-1`` is the code of a user or movie that the training set never saw. Ratings are 1..5 stars.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .notebook import solved_or  # noqa: F401  (re-exported)

RATING_LEVELS = 5  # MovieLens' 1..5 stars

# Surprise's published ML-100k RMSE figures (its README's benchmark table): 5-fold
# cross-validation averages, not the u1 split, so a comparison with u1.test is approximate.
SURPRISE_ML100K_RMSE = {"BaselineOnly": 0.944, "KNNBaseline": 0.931, "SVD": 0.934, "SVD++": 0.919}


# --- coding ids as indices ---------------------------------------------------------------------

@dataclass
class RatingCodes:
    """The users and movies of a training set, as contiguous indices.

    user_ids, item_ids: the raw ids (int arrays, sorted); user ``user_ids[k]`` has index k.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray

    @classmethod
    def from_ratings(cls, ratings) -> "RatingCodes":
        """Codes for the users and movies that occur in ``ratings`` (a DataFrame with user_id, item_id)."""
        return cls(np.unique(np.asarray(ratings["user_id"])), np.unique(np.asarray(ratings["item_id"])))

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @staticmethod
    def _code(ids, known) -> np.ndarray:
        ids = np.asarray(ids)
        pos = np.searchsorted(known, ids)
        pos_clipped = np.minimum(pos, len(known) - 1)
        found = (pos < len(known)) & (known[pos_clipped] == ids) if len(known) else np.zeros(ids.shape, bool)
        return np.where(found, pos_clipped, -1).astype(np.int64)

    def users(self, ids) -> np.ndarray:
        """Indices (int64) of raw user ids; -1 for a user the training set never saw."""
        return self._code(ids, self.user_ids)

    def items(self, ids) -> np.ndarray:
        """Indices (int64) of raw movie ids; -1 for a movie the training set never saw."""
        return self._code(ids, self.item_ids)

    def encode(self, ratings):
        """``(users, items, stars)`` of a ratings DataFrame: int64, int64 (-1 = unknown), float32."""
        return (self.users(ratings["user_id"]), self.items(ratings["item_id"]),
                np.asarray(ratings["rating"], dtype=np.float32))


def one_hot_ratings(users, items, stars, n_users: int, n_items: int, levels: int = RATING_LEVELS) -> np.ndarray:
    """The dense one-hot rating tensor of an RBM with softmax visible units.

    users, items: int arrays (n,) of indices in [0, n_users) and [0, n_items); stars: ints 1..levels.
    Returns float32 (n_users, n_items, levels) with V[u, i, r - 1] = 1 for each rating r of movie i
    by user u, and zeros elsewhere: a movie the user did not rate is an all-zero row, which is
    the mask ``V.sum(-1)``. Raises ValueError on an index out of range, a star outside 1..levels,
    or a (user, movie) pair given twice.
    """
    users, items = np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)
    stars = np.asarray(stars)
    if not (users.shape == items.shape == stars.shape):
        raise ValueError(f"users, items and stars must have one shape, got {users.shape}, {items.shape}, {stars.shape}")
    if users.size and (users.min() < 0 or users.max() >= n_users or items.min() < 0 or items.max() >= n_items):
        raise ValueError("a user or movie index is outside the training set's range (unknown ids are -1: drop them first)")
    levels_given = np.rint(stars).astype(np.int64)
    if stars.size and (not np.allclose(stars, levels_given) or levels_given.min() < 1 or levels_given.max() > levels):
        raise ValueError(f"ratings must be whole stars in 1..{levels}")
    V = np.zeros((n_users, n_items, levels), dtype=np.float32)
    np.add.at(V, (users, items, levels_given - 1), 1.0)
    if users.size and V.sum(-1).max() > 1:
        raise ValueError("a (user, movie) pair occurs more than once")
    return V


def validation_split(n: int, fraction: float = 0.05, seed: int = 0):
    """Random disjoint index arrays ``(fit, validation)`` over range(n); round(n * fraction) validate."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    perm = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * fraction))
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


# --- reference solutions of the notebook's exercises -------------------------------------------

def masked_rmse(predictions, ratings, mask) -> float:
    """Root-mean-square error over the observed entries only.

    predictions, ratings: float arrays of one shape; mask: an array of that shape, bool or 0/1,
    true (1) where a rating is observed. Entries outside the mask are ignored whatever they hold
    (0, NaN, anything). Returns a Python float. Raises ValueError if the mask selects nothing.
    """
    predictions, ratings = np.asarray(predictions, dtype=np.float64), np.asarray(ratings, dtype=np.float64)
    mask = np.asarray(mask).astype(bool)
    if not (predictions.shape == ratings.shape == mask.shape):
        raise ValueError(f"shapes differ: {predictions.shape}, {ratings.shape}, {mask.shape}")
    if not mask.any():
        raise ValueError("the mask selects no entry: RMSE over nothing is undefined")
    err = predictions[mask] - ratings[mask]
    return float(np.sqrt(np.mean(err ** 2)))


def bias_baseline_predict(global_mean, user_bias, item_bias, users, items) -> np.ndarray:
    """The bias baseline's predictions, mu + b_u + b_i, clipped to [1, 5].

    global_mean: float; user_bias (n_users,), item_bias (n_items,): floats; users, items: int
    arrays of one shape. An index outside [0, n_users) (resp. [0, n_items)), -1 in particular, is
    an unknown user (movie) and contributes a bias of 0. Returns float32 of the shape of users.
    """
    user_bias, item_bias = np.asarray(user_bias, dtype=np.float64), np.asarray(item_bias, dtype=np.float64)
    users, items = np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)

    def bias(table, index):
        known = (index >= 0) & (index < len(table))
        return np.where(known, table[np.where(known, index, 0)] if len(table) else 0.0, 0.0)

    return np.clip(global_mean + bias(user_bias, users) + bias(item_bias, items), 1.0, 5.0).astype(np.float32)


def rmse_mae(predictions, ratings):
    """``(RMSE, MAE)`` of predictions against ratings (1-D arrays of one length), as floats."""
    err = np.asarray(predictions, dtype=np.float64) - np.asarray(ratings, dtype=np.float64)
    if err.size == 0:
        raise ValueError("no ratings to score")
    return float(np.sqrt(np.mean(err ** 2))), float(np.mean(np.abs(err)))


# --- the results plot -------------------------------------------------------------------------

def plot_error_table(table, published=None, ax=None, title="Rating error on u1.test (lower is better)"):
    """Grouped bars of a results table (a DataFrame indexed by model, columns "RMSE" and "MAE"),
    with published RMSE figures ({name: rmse}) as hatched bars beside them. Returns the Axes."""
    import matplotlib.pyplot as plt

    ax = ax if ax is not None else plt.subplots(figsize=(9, 4))[1]
    names = list(table.index)
    x = np.arange(len(names))
    ax.bar(x - 0.2, table["RMSE"], width=0.4, label="RMSE (this notebook, u1.test)")
    ax.bar(x + 0.2, table["MAE"], width=0.4, label="MAE (this notebook, u1.test)")
    for xi, value in zip(x, table["RMSE"]):
        ax.text(xi - 0.2, value + 0.01, f"{value:.3f}", ha="center", fontsize=8)
    if published:
        xp = len(names) + np.arange(len(published))
        ax.bar(xp - 0.2, list(published.values()), width=0.4, color="lightgray", hatch="//", edgecolor="gray",
               label="RMSE published by Surprise (5-fold CV)")
        for xi, value in zip(xp, published.values()):
            ax.text(xi - 0.2, value + 0.01, f"{value:.3f}", ha="center", fontsize=8)
        names = names + [f"Surprise\n{name}" for name in published]
    ax.set_xticks(np.arange(len(names)), names, fontsize=8)
    ax.set(title=title, xlabel="model", ylabel="error (stars)")
    ax.legend(loc="upper right", fontsize=8)
    return ax
