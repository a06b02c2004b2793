"""dlcourse.autoencoders: the reference answers of chapter 6's exercises and the models its notebooks share."""

import numpy as np
import pytest

from dlcourse import autoencoders as ae


def test_gaussian_corruption_is_seeded_clipped_and_leaves_its_input_alone():
    x = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    before = x.copy()
    noisy = ae.gaussian_corruption(x, 0.3, seed=7)
    np.testing.assert_array_equal(x, before)
    expected = np.clip(x + 0.3 * np.random.default_rng(7).standard_normal(x.shape), 0, 1)
    np.testing.assert_allclose(noisy, expected, rtol=1e-6)
    assert noisy.dtype == np.float32 and noisy.shape == x.shape
    assert noisy.min() >= 0 and noisy.max() <= 1 and np.any(noisy == 0) | np.any(noisy == 1)
    np.testing.assert_array_equal(ae.gaussian_corruption(x, 0.3, seed=7), noisy)
    assert not np.array_equal(ae.gaussian_corruption(x, 0.3, seed=8), noisy)


def test_gaussian_corruption_rejects_a_negative_noise_factor():
    with pytest.raises(ValueError, match="noise_factor"):
        ae.gaussian_corruption(np.zeros(3), -0.1, seed=0)


def test_kl_sparsity_matches_the_bernoulli_kl_summed_over_units():
    a = np.array([[0.1, 0.5, 0.02], [0.3, 0.5, 0.02]])
    rho = 0.05
    q = a.mean(axis=0)
    expected = sum(rho * np.log(rho / qj) + (1 - rho) * np.log((1 - rho) / (1 - qj)) for qj in q)
    assert ae.kl_sparsity(rho, a) == pytest.approx(expected, rel=1e-12)
    assert ae.kl_sparsity(0.2, np.full((5, 3), 0.2)) == pytest.approx(0.0, abs=1e-12)
    dead = ae.kl_sparsity(0.02, np.zeros((4, 2)))
    assert np.isfinite(dead) and dead > 0
    with pytest.raises(ValueError, match="batch, n_hidden"):
        ae.kl_sparsity(0.02, np.zeros(4))


def test_psnr_is_per_image_in_decibels():
    clean = np.zeros((2, 4, 4))
    other = clean.copy()
    other[0] += 0.1                  # MSE 0.01 -> 20 dB
    other[1, 0, 0] = 1.0             # MSE 1/16 -> 12.04 dB
    np.testing.assert_allclose(ae.psnr(clean, other), [20.0, 10 * np.log10(16)], rtol=1e-12)
    assert ae.psnr(clean * 255, other * 255, data_range=255) == pytest.approx(ae.psnr(clean, other))
    assert np.isinf(ae.psnr(clean, clean)).all()
    with pytest.raises(ValueError, match="shapes differ"):
        ae.psnr(clean, other[:1])


def test_sparsity_penalty_adds_alpha_times_kl_without_dividing_by_the_batch():
    layer = ae.SparsityPenalty(rho=0.1, weight=0.5)
    a = np.array([[0.2, 0.6], [0.4, 0.2], [0.3, 0.1]], dtype=np.float32)
    out = layer(a)
    np.testing.assert_array_equal(np.asarray(out), a)
    assert float(layer.losses[0]) == pytest.approx(0.5 * ae.kl_sparsity(0.1, a), rel=1e-5)


def test_tied_dense_uses_the_transposed_encoder_kernel_and_owns_only_a_bias():
    import keras
    encoder = keras.layers.Dense(3, activation="sigmoid")
    inputs = keras.Input((5,))
    decoder = ae.TiedDense(encoder)
    model = keras.Model(inputs, decoder(encoder(inputs)))
    assert [tuple(w.shape) for w in decoder.weights] == [(5,)]
    code = np.random.default_rng(0).uniform(size=(2, 3)).astype(np.float32)
    W = np.asarray(encoder.kernel)
    expected = 1 / (1 + np.exp(-(code @ W.T)))   # the bias starts at zero
    np.testing.assert_allclose(np.asarray(decoder(code)), expected, rtol=1e-5)
    assert model.count_params() == 5 * 3 + 3 + 5


def test_dense_autoencoder_shapes_and_the_recipes_initialisation():
    model, encoder = ae.dense_autoencoder(16, n_in=20, sparsity_weight=0.1, recipe_init=True)
    assert model.output_shape == (None, 20) and encoder.output_shape == (None, 16)
    kernel = np.asarray(model.get_layer("encoder").kernel)
    assert 0.8 < kernel.std() < 1.2, "recipe_init draws the weights from N(0, 1) as tf.random_normal does"
    model(np.zeros((4, 20), np.float32))
    assert len(model.losses) == 1
    glorot, _ = ae.dense_autoencoder(16, n_in=20)
    assert np.asarray(glorot.get_layer("encoder").kernel).std() < 0.5


@pytest.mark.parametrize("upsampling", ["nearest", "transpose"])
def test_conv_autoencoder_reaches_a_4x4x16_code_and_back(upsampling):
    model, encoder = ae.conv_autoencoder(upsampling)
    assert encoder.output_shape == (None, 4, 4, 16)
    assert model.output_shape == (None, 28, 28, 1)
    out = model.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    assert out.min() >= 0 and out.max() <= 1


def test_conv_autoencoder_rejects_an_unknown_upsampling():
    with pytest.raises(ValueError, match="nearest"):
        ae.conv_autoencoder("bilinear")


def test_tied_decoder_forward_transposes_the_encoder_kernel_and_matches_tied_dense():
    import keras
    rng = np.random.default_rng(3)
    W, b, code = rng.normal(size=(5, 3)), rng.normal(size=5), rng.uniform(size=(2, 3))
    out = ae.tied_decoder_forward(code, W, b)
    assert out.dtype == np.float32 and out.shape == (2, 5)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-(code @ W.T + b))), rtol=1e-6)
    encoder = keras.layers.Dense(3)
    encoder.build((None, 5))
    encoder.kernel.assign(W.astype(np.float32))
    decoder = ae.TiedDense(encoder)
    decoder.build((None, 3))
    decoder.bias.assign(b.astype(np.float32))
    np.testing.assert_allclose(out, np.asarray(decoder(code.astype(np.float32))), rtol=1e-5)
    assert np.all(np.isfinite(ae.tied_decoder_forward(np.ones((1, 1)), np.full((1, 1), 1000.0), np.zeros(1))))
    with pytest.raises(ValueError, match="shapes do not fit"):
        ae.tied_decoder_forward(code, W.T, b)
