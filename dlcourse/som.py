"""Helpers for chapter 5's self-organising-map notebook (``05_unsupervised/03_self_organizing_map``).

The reference versions of the notebook's two exercises (:func:`best_matching_unit`,
:func:`gaussian_neighbourhood`) let the rest of the notebook run before a student has written
them (see :func:`solved_or`); ``tests/test_som.py`` pins them. Also here: the lattice coordinates,
the schedule of the Cookbook's ``WTU`` recipe (002) and the choice of a readable subset of names
for the labelled colour map.

Shapes: a map of m x n units on inputs of ``dim`` features has weights (m, n, dim), or
(m * n, dim) flattened row-major (unit k sits at row k // n, column k % n). Nothing here
imports TensorFlow.
"""

from __future__ import annotations

import numpy as np

from .notebook import solved_or  # noqa: F401  (re-exported)

# The recipe's run: WTU(30, 30, n_dim, 400, sigma=10.0) with its default eta = 0.5.
RECIPE_GRID = (30, 30)
RECIPE_ITERATIONS = 400
RECIPE_SIGMA = 10.0
RECIPE_ETA = 0.5


def grid_locations(m: int, n: int) -> np.ndarray:
    """The lattice position [row, column] of every unit, row-major: float32 of shape (m * n, 2).

    Row k is [k // n, k % n], the order of the recipe's ``_neuron_location`` generator.
    """
    if m < 1 or n < 1:
        raise ValueError(f"the grid needs at least one row and one column, got {m} x {n}")
    return np.indices((m, n)).reshape(2, -1).T.astype(np.float32)


def recipe_schedule(t, num_iterations: int, eta: float = RECIPE_ETA, sigma: float = RECIPE_SIGMA):
    """The recipe's learning rate and radius at iteration ``t`` (0 .. num_iterations - 1).

    Both fall linearly to zero: eta_t = eta * (1 - t / T) and sigma_t = sigma * (1 - t / T), with
    T = num_iterations. ``t`` may be an int or an array; returns (eta_t, sigma_t) as floats or
    float64 arrays of t's shape.
    """
    if num_iterations < 1:
        raise ValueError(f"num_iterations must be at least 1, got {num_iterations}")
    factor = 1.0 - np.asarray(t, dtype=np.float64) / num_iterations
    if factor.ndim == 0:
        return float(eta * factor), float(sigma * factor)
    return eta * factor, sigma * factor


# --- reference solutions of the notebook's exercises -------------------------------------------

def best_matching_unit(weights, x) -> tuple[int, int]:
    """The (row, column) of the unit whose weight vector is nearest to ``x`` (Euclidean).

    weights: array (m, n, dim); x: array (dim,). Ties go to the lowest row-major index
    (row * n + column), as ``np.argmin`` breaks them. Returns two Python ints.
    """
    weights = np.asarray(weights, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if weights.ndim != 3 or x.shape != weights.shape[-1:]:
        raise ValueError(f"expected weights (m, n, dim) and x (dim,), got {weights.shape} and {x.shape}")
    squared = np.sum((weights - x) ** 2, axis=-1)  # (m, n); the square root does not change the winner
    row, col = np.unravel_index(np.argmin(squared), squared.shape)
    return int(row), int(col)


def gaussian_neighbourhood(grid_shape, winner, sigma: float) -> np.ndarray:
    """The recipe's neighbourhood exp(-d^2 / sigma^2) around ``winner``, as float32 (m, n).

    grid_shape: (m, n); winner: (row, column); d^2 = (i - row)^2 + (j - column)^2 is the squared
    distance on the lattice from unit (i, j) to the winner. No factor 2 under sigma^2: that is
    the recipe's definition. sigma must be > 0.
    """
    if sigma <= 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    m, n = grid_shape
    rows, cols = np.indices((m, n), dtype=np.float64)
    d2 = (rows - winner[0]) ** 2 + (cols - winner[1]) ** 2
    return np.exp(-d2 / sigma ** 2).astype(np.float32)


# --- the labelled colour map --------------------------------------------------------------------

def spread_labels(cells, priority=None, min_distance: int = 3) -> np.ndarray:
    """Indices of items whose lattice cells lie at least ``min_distance`` apart, so their labels
    do not overlap when drawn.

    cells: int array (N, 2) of (row, column) per item. priority: the order in which items are
    considered (an index array; default 0 .. N-1); an item is kept if its cell is at least
    ``min_distance`` away from every kept cell in Chebyshev distance (max of the row and column
    gaps). Returns the kept indices, in the order they were kept.
    """
    cells = np.asarray(cells, dtype=np.int64).reshape(-1, 2)
    order = np.arange(len(cells)) if priority is None else np.asarray(priority, dtype=np.int64)
    kept: list[int] = []
    for i in order:
        if all(np.max(np.abs(cells[i] - cells[j])) >= min_distance for j in kept):
            kept.append(int(i))
    return np.array(kept, dtype=np.int64)
