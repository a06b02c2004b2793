"""The forecasting helpers of chapter 4's time-series notebook: windows, the recipe's
normalisation, baselines, MASE, the Diebold-Mariano test and the block bootstrap."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from dlcourse import timeseries as ts  # noqa: E402


def test_synthetic_series_is_seeded_two_featured_and_seasonal():
    a, b = ts.synthetic_series(500, seed=3), ts.synthetic_series(500, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (500, 2) and not np.array_equal(a, ts.synthetic_series(500, seed=4))
    clean = ts.synthetic_series(400, noise=0.0, periods=(20.0,), amplitudes=(1.0,), seed=0)
    np.testing.assert_allclose(clean[20:, 0], clean[:-20, 0], atol=1e-9)  # period 20
    np.testing.assert_allclose(clean[:, 1], clean[:, 0] / 1.1)


def test_make_windows_counts_and_contents():
    series = np.arange(20.0)
    X_tr, Y_tr, X_te, Y_te = ts.make_windows(series, 3, 2, split_index=10)
    assert X_tr.shape == (6, 3, 1) and Y_tr.shape == (6, 2, 1)  # 10 - 5 + 1
    assert X_te.shape == (6, 3, 1) and Y_te.shape == (6, 2, 1)  # 20 - 10 - 5 + 1
    np.testing.assert_array_equal(X_tr[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(Y_tr[0, :, 0], [3, 4])
    np.testing.assert_array_equal(Y_tr[-1, :, 0], [8, 9])
    np.testing.assert_array_equal(X_te[0, :, 0], [10, 11, 12])
    np.testing.assert_array_equal(Y_te[-1, :, 0], [18, 19])


def test_make_windows_never_lets_a_window_cross_the_split():
    series = np.arange(100.0)
    for split in (0, 1, 37, 80, 100):
        X_tr, Y_tr, X_te, Y_te = ts.make_windows(series, 7, 4, split)
        if len(Y_tr):
            assert Y_tr.max() < split, f"a training target reaches past the split at {split}"
        if len(X_te):
            assert X_te.min() >= split, f"a test input starts before the split at {split}"
        assert len(X_tr) == max(0, split - 10) and len(X_te) == max(0, 100 - split - 10)


def test_make_windows_keeps_features_and_handles_empty_parts():
    series = np.stack([np.arange(12.0), -np.arange(12.0)], axis=1)
    X_tr, Y_tr, X_te, Y_te = ts.make_windows(series, 4, 4, split_index=12)
    assert X_tr.shape == (5, 4, 2) and X_te.shape == (0, 4, 2) and Y_te.shape == (0, 4, 2)
    np.testing.assert_array_equal(Y_tr[2, :, 1], -np.arange(6.0, 10.0))
    X_tr[0, 0, 0] = 99.0
    assert series[0, 0] == 0.0, "windows must be copies, not views into the series"


@pytest.mark.parametrize("args", [(0, 2, 5), (3, 0, 5), (3, 2, -1), (3, 2, 21)])
def test_make_windows_refuses_bad_arguments(args):
    with pytest.raises(ValueError):
        ts.make_windows(np.arange(20.0), *args)


def test_normalize_windows_matches_the_recipe_formula_and_inverts():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(5, 2, size=(4, 6, 2)), rng.normal(5, 2, size=(4, 3, 2))
    X_n, Y_n, mean, std = ts.normalize_windows(X, Y)
    assert mean.shape == std.shape == (4, 1, 2)
    for n in range(4):
        for k in range(2):
            m, s = X[n, :, k].mean(), X[n, :, k].std() + 1e-5
            np.testing.assert_allclose(X_n[n, :, k], (X[n, :, k] - m) / (2.5 * s))
            np.testing.assert_allclose(Y_n[n, :, k], (Y[n, :, k] - m) / (2.5 * s))
    np.testing.assert_allclose(ts.denormalize_windows(Y_n, mean, std), Y)
    assert ts.normalize_windows(X)[1] is None


def test_normalize_windows_is_finite_on_a_constant_window():
    X_n, Y_n, _, _ = ts.normalize_windows(np.full((1, 5, 1), 3.0), np.full((1, 2, 1), 4.0))
    np.testing.assert_array_equal(X_n, 0.0)
    assert np.all(np.isfinite(Y_n))


def test_baseline_forecasts():
    X = np.array([[[1.0], [2.0], [4.0]]])
    np.testing.assert_array_equal(ts.persistence_forecast(X, 2)[0, :, 0], [4, 4])
    np.testing.assert_array_equal(ts.drift_forecast(X, 3)[0, :, 0], [5.5, 7, 8.5])  # slope (4 - 1) / 2
    np.testing.assert_allclose(ts.window_mean_forecast(X, 2)[0, :, 0], [7 / 3, 7 / 3])
    np.testing.assert_array_equal(ts.drift_forecast(np.array([[[3.0]]]), 2), [[[3.0], [3.0]]])


def test_mase_scales_by_the_training_naive_error():
    y_train = np.array([1.0, 3.0, 2.0, 6.0])  # naive errors 2, 1, 4: scale 7/3
    assert ts.mase([5.0, 7.0], [4.0, 9.0], y_train) == pytest.approx(1.5 / (7 / 3))
    assert ts.mase([5.0], [4.0], y_train, m=2) == pytest.approx(1.0 / 2.0)  # |2-1|, |6-3|
    with pytest.raises(ValueError, match="constant"):
        ts.mase([1.0], [2.0], np.ones(5))


def test_mae_and_rmse():
    assert ts.mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert ts.rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(np.sqrt(5 / 3))


def test_dm_test_with_h1_is_the_mean_over_its_standard_error():
    e1 = np.array([1.0, -2.0, 0.5, 3.0, -1.5, 2.5, -0.5, 1.0])
    e2 = np.array([0.5, -1.0, 1.0, 1.5, -1.0, 1.0, -1.5, 0.5])
    d = np.abs(e1) - np.abs(e2)
    expected = d.mean() / (d.std(ddof=0) / np.sqrt(len(d)))
    statistic, p = ts.dm_test(e1, e2)
    assert statistic == pytest.approx(expected)
    assert p == pytest.approx(2 * stats.norm.sf(abs(expected)))
    assert ts.dm_test(e2, e1)[0] == pytest.approx(-expected)


def test_dm_test_adds_autocovariances_up_to_lag_h_minus_1():
    rng = np.random.default_rng(1)
    e1, e2 = rng.normal(size=30), rng.normal(size=30)
    d = e1 ** 2 - e2 ** 2
    c = d - d.mean()
    acov = np.correlate(c, c, mode="full")[len(c) - 1:] / len(c)
    variance = acov[0] + 2 * acov[1:3].sum()
    statistic, p = ts.dm_test(e1, e2, h=3, power=2)
    assert statistic == pytest.approx(d.mean() / np.sqrt(variance / len(d)))
    assert 0.0 <= p <= 1.0


def test_dm_test_refuses_identical_forecasts():
    with pytest.raises(ValueError, match="variance"):
        ts.dm_test(np.ones(5), np.ones(5))


def test_block_bootstrap_is_seeded_and_covers_the_mean():
    d = np.random.default_rng(2).normal(0.3, 1.0, size=200)
    low, high = ts.moving_block_bootstrap_ci(d, block=10, seed=5)
    assert (low, high) == ts.moving_block_bootstrap_ci(d, block=10, seed=5)
    assert low < d.mean() < high and high - low < 1.0
    assert ts.moving_block_bootstrap_ci(np.full(50, 2.0), block=5) == (2.0, 2.0)
    with pytest.raises(ValueError):
        ts.moving_block_bootstrap_ci(d, block=0)


def test_solved_or_falls_back_only_on_not_implemented(capsys):
    def unsolved(*args):
        raise NotImplementedError()

    def wrong(x):
        return -x

    fallback = ts.solved_or(unsolved, ts.mae)
    assert fallback([1.0], [3.0]) == 2.0 and fallback([1.0], [2.0]) == 1.0
    assert capsys.readouterr().out.count("not written yet") == 1
    assert ts.solved_or(wrong, abs)(3) == -3


def test_plot_forecasts_draws_one_axes_per_window_in_the_recipe_style():
    past, future = np.zeros((3, 4, 2)), np.ones((3, 2, 2))
    fig = ts.plot_forecasts(past, future, future + 0.5, extra={"persistence": future * 0})
    axes = fig.axes
    assert len(axes) == 3 and axes[0].get_title().startswith("Predictions v.s. true values")
    styles = {(line.get_linestyle(), line.get_marker(), line.get_color()) for line in axes[0].lines}
    assert ("--", "o", "b") in styles and ("--", "x", "b") in styles and ("--", "o", "y") in styles
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ["Seen (past) values", "True future values", "Predictions", "persistence"]
    plt.close(fig)
