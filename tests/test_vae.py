"""The VAE helpers of chapter 6 (dlcourse/vae.py): stochastic binarisation, the reparameterisation
trick, the closed-form Gaussian KL, the Bernoulli negative log-likelihood, and the Keras 3 VAE's
train_step, ELBO and samples."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlcourse import vae as V


def tiny_vae(seed=0, n_pixels=6, latent_dim=2, **kwargs):
    keras.utils.set_random_seed(seed)
    model = V.VAE(latent_dim=latent_dim, hidden=(8,), n_pixels=n_pixels, seed=seed, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    return model


def tiny_batch(seed=1, n=16, n_pixels=6):
    return (np.random.default_rng(seed).uniform(size=(n, n_pixels)) < 0.4).astype(np.float32)


def test_binarize_is_seeded_binary_and_leaves_its_input_alone():
    x = np.random.default_rng(0).uniform(size=(200, 50)).astype(np.float32)
    copy = x.copy()
    a, b, c = V.binarize(x, 7), V.binarize(x, 7), V.binarize(x, 8)
    assert a.dtype == np.float32 and a.shape == x.shape
    assert set(np.unique(a)) <= {0.0, 1.0}
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(x, copy)
    # each pixel is 1 with probability x: the mean over many draws approaches x
    draws = np.mean([V.binarize(x[:1], s) for s in range(2000)], axis=0)
    np.testing.assert_allclose(draws, x[:1], atol=0.05)
    np.testing.assert_array_equal(V.binarize(np.array([0.0, 1.0]), 3), [0.0, 1.0])


def test_reparameterize_is_mean_plus_standard_deviation_times_eps():
    mean = np.array([[1.0, -2.0]])
    log_var = np.array([[0.0, 2 * np.log(3.0)]])            # standard deviations 1 and 3
    eps = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(V.reparameterize(mean, log_var, eps), [[1.5, -5.0]])
    np.testing.assert_allclose(V.reparameterize(mean, log_var, np.zeros((1, 2))), mean)


def test_reparameterized_samples_have_the_requested_mean_and_variance():
    eps = np.random.default_rng(0).standard_normal((200_000, 2))
    z = V.reparameterize(np.array([0.5, -1.0]), np.log(np.array([4.0, 0.25])), eps)
    np.testing.assert_allclose(z.mean(axis=0), [0.5, -1.0], atol=0.02)
    np.testing.assert_allclose(z.var(axis=0), [4.0, 0.25], rtol=0.02)


def test_gaussian_kl_known_values_shape_and_zero_at_the_prior():
    kl = V.gaussian_kl(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[0.0, np.log(2.0)], [0.0, 0.0]]))
    assert kl.shape == (2,)
    np.testing.assert_allclose(kl, [0.5 + 0.5 * (1.0 - np.log(2.0)), 0.0], atol=1e-12)
    rng = np.random.default_rng(1)
    assert np.all(V.gaussian_kl(rng.normal(size=(50, 3)), rng.normal(size=(50, 3))) > 0)
    assert V.gaussian_kl(np.zeros(4), np.zeros(4)).shape == ()


def test_gaussian_kl_agrees_with_a_monte_carlo_estimate():
    mean, log_var = np.array([0.8, -0.3, 1.5]), np.array([-1.0, 0.4, -0.2])
    eps = np.random.default_rng(2).standard_normal((400_000, 3))
    z = V.reparameterize(mean, log_var, eps)
    log_q = -0.5 * (eps ** 2 + log_var + np.log(2 * np.pi)).sum(axis=1)
    log_p = -0.5 * (z ** 2 + np.log(2 * np.pi)).sum(axis=1)
    estimate, stderr = np.mean(log_q - log_p), np.std(log_q - log_p) / np.sqrt(len(z))
    assert abs(estimate - V.gaussian_kl(mean, log_var)) < 4 * stderr


def test_bernoulli_nll_matches_tensorflow_and_does_not_overflow():
    rng = np.random.default_rng(3)
    x, logits = (rng.uniform(size=(5, 7)) < 0.5).astype(float), rng.normal(0, 3, (5, 7))
    want = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits), axis=-1).numpy()
    got = V.bernoulli_nll(x, logits)
    assert got.shape == (5,)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    extreme = V.bernoulli_nll(np.array([1.0, 0.0, 1.0, 0.0]), np.array([1000.0, -1000.0, -1000.0, 1000.0]))
    np.testing.assert_allclose(extreme, 2000.0)


def test_the_reconstruction_term_sends_gradients_to_the_encoder_through_the_sample():
    model, x = tiny_vae(), tiny_batch()
    with tf.GradientTape() as tape:
        reconstruction, _ = model.losses_per_image(x)
        loss = tf.reduce_mean(reconstruction)
    grads = tape.gradient(loss, model.encoder.trainable_variables)
    assert all(g is not None for g in grads)
    assert max(float(tf.reduce_max(tf.abs(g))) for g in grads) > 0


def test_losses_per_image_agree_with_the_numpy_references():
    model, x = tiny_vae(), tiny_batch()
    mean, log_var = (np.asarray(t) for t in model.encode(x))
    _, kl = model.losses_per_image(x)
    np.testing.assert_allclose(np.asarray(kl), V.gaussian_kl(mean, log_var), rtol=1e-5)
    # the ELBO with one sample equals -(nll + kl) with that sample's z
    eps = np.random.default_rng(5).standard_normal(mean.shape)
    z = V.reparameterize(mean, log_var, eps).astype(np.float32)
    manual = -V.bernoulli_nll(x, np.asarray(model.decoder(z))) - V.gaussian_kl(mean, log_var)
    np.testing.assert_allclose(V.elbo(model, x, n_samples=1, seed=5), manual, rtol=1e-5)


def test_elbo_of_a_tiny_model_is_finite_nonpositive_and_seeded():
    model, x = tiny_vae(), tiny_batch()
    values = V.elbo(model, x, n_samples=3, seed=0, batch_size=5)   # several batches
    assert values.shape == (len(x),) and values.dtype == np.float64
    assert np.all(np.isfinite(values)) and np.all(values <= 0)
    np.testing.assert_allclose(values, V.elbo(model, x, n_samples=3, seed=0), rtol=1e-5)   # batch_size does not matter
    assert not np.array_equal(values, V.elbo(model, x, n_samples=3, seed=1))


def test_train_step_lowers_minus_elbo_on_a_fixed_batch_and_reports_its_terms():
    model, x = tiny_vae(), tiny_batch()
    before = -V.elbo(model, x, n_samples=50, seed=0).mean()
    for _ in range(30):
        logs = model.train_on_batch(x, return_dict=True)
    after = -V.elbo(model, x, n_samples=50, seed=0).mean()
    assert after < before - 0.5, (before, after)
    assert set(logs) >= {"loss", "reconstruction", "kl", "elbo"}
    np.testing.assert_allclose(logs["elbo"], -logs["loss"], rtol=1e-6)
    assert logs["kl"] >= 0


def test_fit_reports_training_and_validation_terms_per_epoch():
    model, x = tiny_vae(), tiny_batch(n=40)
    history = model.fit(x, epochs=2, batch_size=20, validation_data=(x,), verbose=0).history
    for name in ("loss", "reconstruction", "kl", "elbo"):
        assert len(history[name]) == 2 and len(history[f"val_{name}"]) == 2
    np.testing.assert_allclose(np.array(history["reconstruction"]) + history["kl"], history["loss"], rtol=1e-5)


def test_dynamic_binarization_trains_on_grey_images():
    model = tiny_vae(dynamic_binarization=True)
    grey = np.random.default_rng(4).uniform(size=(32, 6)).astype(np.float32)
    logs = model.train_on_batch(grey, return_dict=True)
    assert np.isfinite(logs["loss"])


def test_sample_is_seeded_and_gives_probabilities():
    model = tiny_vae(n_pixels=9, latent_dim=3)
    a, b, c = model.sample(5, seed=1), model.sample(5, seed=1), model.sample(5, seed=2)
    assert a.shape == (5, 9) and a.dtype == np.float32
    assert np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_the_model_adds_no_loss_of_its_own():
    model = tiny_vae()
    model(tiny_batch())
    assert model.losses == []


@pytest.mark.parametrize("latent_dim", [1, 4])
def test_encode_splits_mean_and_log_variance(latent_dim):
    model = tiny_vae(latent_dim=latent_dim)
    mean, log_var = model.encode(tiny_batch())
    assert tuple(mean.shape) == tuple(log_var.shape) == (16, latent_dim)
