"""The RBM helpers of chapter 5 (dlcourse/rbm.py): the free energy, the CD-1 reference update, the
TensorFlow model's conditionals, CD-k / PCD steps, fit's budget and monitor, and the image tiles."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from dlcourse import rbm as R  # noqa: E402


def tiny(seed=0, n_visible=4, n_hidden=3, batch=5):
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=(batch, n_visible)), rng.normal(0, 0.8, (n_visible, n_hidden)),
            rng.normal(0, 0.5, n_visible), rng.normal(0, 0.5, n_hidden))


def test_free_energy_is_minus_log_of_the_sum_over_hidden_configurations():
    v, W, b, c = tiny()
    v = (v > 0.5).astype(float)
    expected = []
    for row in v:
        energies = [-(row @ b) - np.array(h) @ c - row @ W @ np.array(h) for h in itertools.product([0, 1], repeat=3)]
        expected.append(-np.log(np.sum(np.exp(-np.array(energies)))))
    got = R.free_energy(v, W, b, c)
    assert got.dtype == np.float32 and got.shape == (5,)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_free_energy_is_stable_for_large_activations_and_accepts_one_vector():
    W = np.full((2, 2), 500.0)
    got = R.free_energy(np.ones(2), W, np.zeros(2), np.zeros(2))
    assert got.shape == (1,) and np.isfinite(got).all()
    np.testing.assert_allclose(got, [-2000.0])


def test_cd1_update_samples_h0_from_the_uniforms_and_uses_probabilities_elsewhere():
    v, W, b, c = tiny(1)
    u_h = np.random.default_rng(2).uniform(size=(5, 3))
    dW, db, dc = R.cd1_update(v, W, b, c, 0.1, u_h)
    p_h0 = R.sigmoid(v @ W + c)
    h0 = (u_h < p_h0).astype(float)
    v1 = R.sigmoid(h0 @ W.T + b)
    p_h1 = R.sigmoid(v1 @ W + c)
    np.testing.assert_allclose(dW, 0.1 * (v.T @ p_h0 - v1.T @ p_h1) / 5)
    np.testing.assert_allclose(db, 0.1 * (v - v1).mean(0))
    np.testing.assert_allclose(dc, 0.1 * (p_h0 - p_h1).mean(0))
    assert dW.shape == W.shape and db.shape == b.shape and dc.shape == c.shape


def test_cd1_update_is_minus_lr_times_the_gradient_of_the_free_energy_difference():
    v, W, b, c = tiny(3)
    rng = np.random.default_rng(4)
    u_h, u_v = rng.uniform(size=(5, 3)), rng.uniform(size=(5, 4))
    for uniform_v in (None, u_v):
        dW, db, dc = R.cd1_update(v, W, b, c, 0.05, u_h, uniform_v)
        h0 = (u_h < R.sigmoid(v @ W + c)).astype(float)
        p_v1 = R.sigmoid(h0 @ W.T + b)
        v1 = p_v1 if uniform_v is None else (u_v < p_v1).astype(float)
        params = [tf.Variable(x) for x in (W, b, c)]
        with tf.GradientTape() as tape:
            def F(x):
                return -tf.linalg.matvec(x, params[1]) - tf.reduce_sum(tf.nn.softplus(x @ params[0] + params[2]), 1)
            objective = tf.reduce_mean(F(tf.constant(v))) - tf.reduce_mean(F(tf.constant(v1)))
        for mine, grad in zip((dW, db, dc), tape.gradient(objective, params)):
            np.testing.assert_allclose(mine, -0.05 * grad.numpy(), atol=1e-12)


def test_cd1_update_with_visible_uniforms_uses_binary_reconstructions():
    v, W, b, c = tiny(5)
    u_h = np.full((5, 3), 0.5)
    _, db_sampled, _ = R.cd1_update(v, W, b, c, 1.0, u_h, np.full((5, 4), 0.5))
    h0 = (0.5 < R.sigmoid(v @ W + c)).astype(float)
    v1 = (0.5 < R.sigmoid(h0 @ W.T + b)).astype(float)
    np.testing.assert_allclose(db_sampled, (v - v1).mean(0))


def test_model_conditionals_and_free_energy_match_the_numpy_formulas():
    v, W, b, c = tiny(6)
    model = R.BernoulliRBM(4, 3, seed=1)
    for var, value in zip((model.W, model.b, model.c), (W, b, c)):
        var.assign(value.astype(np.float32))
    np.testing.assert_allclose(model.hidden_probabilities(v).numpy(), R.sigmoid(v @ W + c), rtol=1e-5)
    h = (v[:, :3] > 0.5).astype(float)
    np.testing.assert_allclose(model.visible_probabilities(h).numpy(), R.sigmoid(h @ W.T + b), rtol=1e-5)
    np.testing.assert_allclose(model.free_energy(v).numpy(), R.free_energy(v, W, b, c), rtol=1e-5)
    np.testing.assert_allclose(model.mean_free_energy(v), R.free_energy(v, W, b, c).mean(), rtol=1e-5)
    assert model.transform(v).shape == (5, 3) and model.reconstruct(v).shape == (5, 4)


def test_visible_bias_starts_at_the_log_odds_of_the_data_means():
    model = R.BernoulliRBM(3, 2, visible_bias=[0.5, 0.9, 0.0])
    np.testing.assert_allclose(model.b.numpy(), [0.0, np.log(9.0), np.log(1e-3 / (1 - 1e-3))], rtol=1e-5)
    np.testing.assert_array_equal(model.c.numpy(), 0.0)


def test_cd1_step_of_the_model_is_the_reference_update_with_the_same_uniforms():
    v, W, b, c = tiny(7, n_visible=6, n_hidden=4, batch=8)
    model = R.BernoulliRBM(6, 4, seed=3)
    for var, value in zip((model.W, model.b, model.c), (W, b, c)):
        var.assign(value.astype(np.float32))
    twin = tf.random.Generator.from_state(model.rng.state.numpy(), model.rng.algorithm)  # a copy, not the variable
    u_h = twin.uniform((8, 4)).numpy()  # the draw cd_step makes for h0
    model.cd_step(v.astype(np.float32), k=1, lr=0.2)
    dW, db, dc = R.cd1_update(v, W, b, c, 0.2, u_h)
    np.testing.assert_allclose(model.W.numpy() - W, dW, atol=1e-5)
    np.testing.assert_allclose(model.b.numpy() - b, db, atol=1e-5)
    np.testing.assert_allclose(model.c.numpy() - c, dc, atol=1e-5)


def test_momentum_and_weight_decay_enter_the_velocity():
    model = R.BernoulliRBM(4, 2, seed=0)
    v = np.zeros((3, 4), np.float32)
    model.W.assign(np.ones((4, 2), np.float32))
    model.b.assign(np.full(4, -30.0, np.float32))   # reconstructions are 0, like the data
    model.cd_step(v, lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(model.W.numpy(), 1 - 0.1 * 0.5, rtol=1e-5)  # no data term, only decay
    model.cd_step(v, lr=0.1, momentum=0.9, weight_decay=0.5)
    np.testing.assert_allclose(model.W.numpy(), 0.95 - (0.9 * 0.05 + 0.1 * 0.5 * 0.95), rtol=1e-5)


def test_persistent_chain_is_kept_between_steps_and_demands_its_batch_size():
    model = R.BernoulliRBM(5, 3, seed=0)
    data = (np.random.default_rng(0).uniform(size=(4, 5)) > 0.5).astype(np.float32)
    model.cd_step(data, k=2, persistent=True)
    first = model.chain.numpy().copy()
    assert first.shape == (4, 5) and set(np.unique(first)) <= {0.0, 1.0}, "PCD keeps binary visible states"
    model.cd_step(data, persistent=True)
    assert model.chain.shape == (4, 5)
    with pytest.raises(ValueError, match="batches of that size"):
        model.cd_step(data[:3], persistent=True)


def test_same_seed_trains_the_same_model():
    data = (np.random.default_rng(1).uniform(size=(40, 6)) > 0.5).astype(np.float32)
    a, b = R.BernoulliRBM(6, 3, seed=5), R.BernoulliRBM(6, 3, seed=5)
    for model in (a, b):
        model.fit(data, epochs=2, batch_size=10, verbose=False)
    np.testing.assert_array_equal(a.W.numpy(), b.W.numpy())


def test_fit_learns_two_patterns_and_calls_the_monitor():
    patterns = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], np.float32)
    data = np.repeat(patterns, 50, axis=0)
    model = R.BernoulliRBM(6, 4, seed=0, weight_std=0.1)
    before = model.reconstruction_mse(patterns)
    history = model.fit(data, epochs=20, batch_size=10, lr=0.2, momentum=R.momentum_schedule(0.5, 0.9, 2),
                        weight_decay=0.0, monitor=lambda m: {"mse": m.reconstruction_mse(patterns)}, verbose=False)
    assert history["epoch"] == list(np.arange(21.0)), "monitor before training and after each epoch"
    assert len(history["mse"]) == 21 and history["mse"][0] == pytest.approx(before)
    assert history["mse"][-1] < 0.05 < before, f"reconstruction error {before:.3f} -> {history['mse'][-1]:.3f}"
    assert history["batches"] == 200 and not history["stopped_by_budget"] and len(history["fe_diff"]) == 200


def test_fit_stops_at_the_time_budget_and_accepts_fractional_epochs():
    data = np.random.default_rng(0).uniform(size=(100, 5)).astype(np.float32)
    model = R.BernoulliRBM(5, 2)
    half = model.fit(data, epochs=0.5, batch_size=10, verbose=False, monitor=lambda m: {"x": 0.0}, monitor_every=2)
    assert half["batches"] == 5 and half["epoch"] == [0.0, 0.2, 0.4, 0.5]
    stopped = model.fit(data, epochs=1000, batch_size=10, time_budget_s=0.0, verbose=False)
    assert stopped["batches"] == 1 and stopped["stopped_by_budget"]


@pytest.mark.parametrize("bad", [np.full((10, 5), 255.0), np.zeros((10, 4)), np.zeros((3, 5))])
def test_fit_refuses_data_it_cannot_use(bad):
    with pytest.raises(ValueError):
        R.BernoulliRBM(5, 2).fit(bad, batch_size=5, verbose=False)


def test_daydream_returns_the_start_then_probabilities():
    model = R.BernoulliRBM(6, 3, seed=0)
    start = np.ones((2, 6), np.float32)
    frames = model.daydream(start, steps=6, record_every=2)
    assert frames.shape == (4, 2, 6)
    np.testing.assert_array_equal(frames[0], start)
    assert ((frames[1:] > 0) & (frames[1:] < 1)).all()


def test_tile_images_places_images_in_rows_with_nan_gaps():
    images = np.arange(5 * 4, dtype=float).reshape(5, 4)
    canvas = R.tile_images(images, n_cols=3, shape=(2, 2))
    assert canvas.shape == (5, 8), "2 rows and 3 columns of 2x2 images, 1 pixel apart"
    np.testing.assert_array_equal(canvas[:2, :2], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(canvas[3:5, 3:5], [[16, 17], [18, 19]])
    assert np.isnan(canvas[2]).all() and np.isnan(canvas[:, 2]).all()
    normalised = R.tile_images(images, 5, shape=(2, 2), normalise=True)
    assert np.nanmin(normalised) == 0.0 and np.nanmax(normalised) == 1.0


def test_show_filters_draws_a_titled_grid():
    ax = R.show_filters(np.random.default_rng(0).normal(size=(16, 10)), n=6, n_cols=3, shape=(4, 4), title="filters")
    assert ax.get_title() == "filters" and ax.images[0].get_array().shape == (9, 14)
    plt.close("all")


def test_momentum_schedule_switches_once():
    schedule = R.momentum_schedule(0.5, 0.9, 3)
    assert [schedule(e) for e in range(5)] == [0.5, 0.5, 0.5, 0.9, 0.9]
