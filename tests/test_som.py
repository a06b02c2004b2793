"""The self-organising-map helpers of chapter 5 (dlcourse/som.py): lattice, the recipe's schedule,
the two exercises' reference solutions and the label picker, checked against MiniSom."""

from __future__ import annotations

import numpy as np
import pytest
from minisom import MiniSom

from dlcourse import som


def test_grid_locations_are_row_major_like_the_recipes_generator():
    locations = som.grid_locations(3, 4)
    expected = np.array([[i, j] for i in range(3) for j in range(4)], dtype=np.float32)
    assert locations.dtype == np.float32 and locations.shape == (12, 2)
    np.testing.assert_array_equal(locations, expected)
    with pytest.raises(ValueError):
        som.grid_locations(0, 4)


def test_recipe_schedule_falls_linearly_to_zero():
    assert som.recipe_schedule(0, 400) == (0.5, 10.0)
    assert som.recipe_schedule(200, 400) == pytest.approx((0.25, 5.0))
    eta, sigma = som.recipe_schedule(np.arange(400), 400, eta=0.5, sigma=10.0)
    assert eta.shape == (400,) and sigma[-1] == pytest.approx(0.025)
    np.testing.assert_allclose(np.diff(sigma), -10.0 / 400)
    with pytest.raises(ValueError):
        som.recipe_schedule(0, 0)


def test_best_matching_unit_agrees_with_minisom_on_a_non_square_map():
    rng = np.random.default_rng(0)
    reference = MiniSom(3, 5, 4, random_seed=1)
    weights = reference.get_weights()
    for x in rng.normal(size=(20, 4)):
        assert som.best_matching_unit(weights, x) == tuple(int(v) for v in reference.winner(x))


def test_best_matching_unit_breaks_ties_by_the_lowest_index_and_returns_ints():
    weights = np.zeros((2, 3, 2))
    weights[0, 2] = weights[1, 1] = [1.0, 1.0]
    row, col = som.best_matching_unit(weights, np.array([1.0, 1.0]))
    assert (row, col) == (0, 2) and type(row) is int and type(col) is int
    with pytest.raises(ValueError):
        som.best_matching_unit(weights.reshape(6, 2), np.array([1.0, 1.0]))


def test_gaussian_neighbourhood_is_exp_minus_d2_over_sigma2():
    h = som.gaussian_neighbourhood((4, 6), (1, 4), 2.0)
    assert h.shape == (4, 6) and h.dtype == np.float32
    assert h[1, 4] == 1.0 and h[1, 5] == pytest.approx(np.exp(-1 / 4))
    assert h[3, 0] == pytest.approx(np.exp(-(4 + 16) / 4))


def test_gaussian_neighbourhood_equals_minisoms_gaussian_with_sigma_over_root_two():
    # MiniSom's Gaussian is exp(-d^2 / (2 s^2)); s = sigma / sqrt(2) gives the recipe's exp(-d^2 / sigma^2)
    reference = MiniSom(5, 7, 3, sigma=3.0 / np.sqrt(2))
    for winner, sigma in [((0, 0), 3.0), ((4, 2), 1.5), ((2, 6), 10.0)]:
        np.testing.assert_allclose(som.gaussian_neighbourhood((5, 7), winner, sigma),
                                   reference._gaussian(winner, sigma / np.sqrt(2)), rtol=1e-6)
    with pytest.raises(ValueError):
        som.gaussian_neighbourhood((2, 2), (0, 0), 0.0)


def test_spread_labels_keeps_labels_apart_in_priority_order():
    cells = np.array([[0, 0], [0, 1], [5, 5], [0, 4], [9, 9], [5, 6]])
    kept = som.spread_labels(cells, priority=[2, 0, 1, 3, 4, 5], min_distance=3)
    np.testing.assert_array_equal(kept, [2, 0, 3, 4])
    for a in kept:
        for b in kept:
            if a != b:
                assert np.max(np.abs(cells[a] - cells[b])) >= 3
    np.testing.assert_array_equal(som.spread_labels(cells, min_distance=1), [0, 1, 2, 3, 4, 5])
