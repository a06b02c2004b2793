"""The helpers of chapter 5's RBM recommender notebook: id coding, the one-hot rating tensor,
the validation split, the exercises' reference solutions and the results plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import mean_absolute_error, mean_squared_error  # noqa: E402

from dlcourse import recommender as rec  # noqa: E402


def _ratings(users, items, stars):
    return pd.DataFrame({"user_id": users, "item_id": items, "rating": stars, "timestamp": 0})


def test_codes_are_contiguous_sorted_and_unknowns_are_minus_one():
    codes = rec.RatingCodes.from_ratings(_ratings([7, 3, 7, 10], [42, 5, 5, 99], [4, 3, 5, 1]))
    np.testing.assert_array_equal(codes.user_ids, [3, 7, 10])
    np.testing.assert_array_equal(codes.item_ids, [5, 42, 99])
    assert (codes.n_users, codes.n_items) == (3, 3)
    np.testing.assert_array_equal(codes.users([10, 3, 4, 1, 11]), [2, 0, -1, -1, -1])
    np.testing.assert_array_equal(codes.items([99, 6, 5, 200]), [2, -1, 0, -1])
    users, items, stars = codes.encode(_ratings([7, 8], [42, 1], [2, 5]))
    np.testing.assert_array_equal(users, [1, -1])
    np.testing.assert_array_equal(items, [1, -1])
    assert stars.dtype == np.float32 and users.dtype == np.int64


def test_one_hot_ratings_puts_one_per_rating_and_zero_rows_for_unrated():
    V = rec.one_hot_ratings([0, 0, 2], [1, 3, 0], [5, 1, 3], n_users=3, n_items=4)
    assert V.shape == (3, 4, 5) and V.dtype == np.float32
    assert V[0, 1, 4] == 1 and V[0, 3, 0] == 1 and V[2, 0, 2] == 1
    assert V.sum() == 3
    np.testing.assert_array_equal(V.sum(-1), [[0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])


@pytest.mark.parametrize("users, items, stars, message", [
    ([0], [-1], [3], "outside"),
    ([3], [0], [3], "outside"),
    ([0], [0], [6], "whole stars"),
    ([0], [0], [2.5], "whole stars"),
    ([0, 0], [1, 1], [3, 4], "more than once"),
])
def test_one_hot_ratings_rejects_bad_input(users, items, stars, message):
    with pytest.raises(ValueError, match=message):
        rec.one_hot_ratings(users, items, stars, n_users=3, n_items=4)


def test_validation_split_is_disjoint_complete_and_seeded():
    fit, val = rec.validation_split(1000, 0.05, seed=1)
    assert len(val) == 50 and len(fit) == 950
    np.testing.assert_array_equal(np.sort(np.concatenate([fit, val])), np.arange(1000))
    np.testing.assert_array_equal(val, rec.validation_split(1000, 0.05, seed=1)[1])
    assert not np.array_equal(val, rec.validation_split(1000, 0.05, seed=2)[1])
    with pytest.raises(ValueError):
        rec.validation_split(10, 1.0)


def test_masked_rmse_ignores_unobserved_entries_even_nan():
    p = np.array([[3.0, np.nan], [2.0, 5.0]])
    r = np.array([[4.0, np.nan], [2.0, 3.0]])
    for mask in (np.array([[1, 0], [1, 1]]), np.array([[True, False], [True, True]]), np.array([[1.0, 0.0], [1.0, 1.0]])):
        assert rec.masked_rmse(p, r, mask) == pytest.approx(np.sqrt(5 / 3))
    assert isinstance(rec.masked_rmse(p, r, mask), float)


def test_masked_rmse_matches_scikit_learn_and_rejects_an_empty_mask():
    rng = np.random.default_rng(0)
    P, R = rng.uniform(1, 5, (20, 30)), rng.integers(1, 6, (20, 30)).astype(float)
    M = rng.random((20, 30)) < 0.2
    assert rec.masked_rmse(P, R, M) == pytest.approx(np.sqrt(mean_squared_error(R[M], P[M])))
    with pytest.raises(ValueError, match="no entry"):
        rec.masked_rmse(P, R, np.zeros_like(M))
    with pytest.raises(ValueError, match="shapes"):
        rec.masked_rmse(P, R[:, :5], M)


def test_bias_baseline_predict_clips_and_gives_unknowns_zero_bias():
    bu, bi = np.array([0.5, -1.0]), np.array([0.2, 1.0, -3.0])
    out = rec.bias_baseline_predict(3.5, bu, bi, np.array([0, 1, 1, -1, 0, 2, 0]), np.array([0, 1, 2, 0, -1, 3, 1]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [4.2, 3.5, 1.0, 3.7, 4.0, 3.5, 5.0], rtol=1e-6)
    grid = rec.bias_baseline_predict(3.0, bu, bi, np.zeros((2, 3), int), np.ones((2, 3), int))
    assert grid.shape == (2, 3)


def test_rmse_mae_match_scikit_learn():
    rng = np.random.default_rng(1)
    p, r = rng.uniform(1, 5, 100), rng.integers(1, 6, 100)
    rmse, mae = rec.rmse_mae(p, r)
    assert rmse == pytest.approx(np.sqrt(mean_squared_error(r, p)))
    assert mae == pytest.approx(mean_absolute_error(r, p))
    with pytest.raises(ValueError):
        rec.rmse_mae([], [])


def test_plot_error_table_draws_every_model_and_reference_with_labels():
    table = pd.DataFrame({"RMSE": [1.15, 0.96], "MAE": [0.95, 0.76]}, index=["global mean", "biases"])
    ax = rec.plot_error_table(table, rec.SURPRISE_ML100K_RMSE)
    assert len(ax.get_xticks()) == 2 + len(rec.SURPRISE_ML100K_RMSE)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_legend().get_texts()) == 3
    plt.close("all")


def test_published_reference_figures_are_the_issues():
    assert rec.SURPRISE_ML100K_RMSE == {"BaselineOnly": 0.944, "KNNBaseline": 0.931, "SVD": 0.934, "SVD++": 0.919}
