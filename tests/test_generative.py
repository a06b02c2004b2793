"""dlcourse.generative: the measures of chapter 6's GAN notebooks and the reference answers of their exercises."""

import numpy as np
import pytest

from dlcourse import generative as gen


def test_frechet_distance_of_gaussians_with_known_answers():
    d = 3
    assert gen.frechet_distance(np.zeros(d), np.eye(d), np.zeros(d), np.eye(d)) == pytest.approx(0.0, abs=1e-9)
    # means 2 apart along one axis, equal covariances: only the mean term remains
    assert gen.frechet_distance(np.zeros(d), np.eye(d), np.array([2.0, 0, 0]), np.eye(d)) == pytest.approx(4.0)
    # diagonal covariances a^2 and b^2: the trace term is sum (a - b)^2
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    expected = np.sum((a - b) ** 2)
    assert gen.frechet_distance(np.zeros(d), np.diag(a**2), np.zeros(d), np.diag(b**2)) == pytest.approx(expected)


def test_frechet_distance_is_symmetric_and_survives_singular_covariances():
    rng = np.random.default_rng(0)
    f1, f2 = rng.normal(size=(50, 4)), rng.normal(1.0, 2.0, size=(60, 4))
    m1, c1 = gen.gaussian_stats(f1)
    m2, c2 = gen.gaussian_stats(f2)
    assert gen.frechet_distance(m1, c1, m2, c2) == pytest.approx(gen.frechet_distance(m2, c2, m1, c1), rel=1e-6)
    rank_one = np.outer([1.0, 2.0, 0, 0], [1.0, 2.0, 0, 0])
    value = gen.frechet_distance(np.zeros(4), rank_one, np.zeros(4), rank_one)
    assert np.isfinite(value) and value == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(ValueError, match="shapes"):
        gen.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


def test_gaussian_stats_uses_the_unbiased_covariance():
    f = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 8.0]])
    mean, cov = gen.gaussian_stats(f)
    np.testing.assert_allclose(mean, [2.0, 4.0])
    np.testing.assert_allclose(cov, np.cov(f.T))


def test_gan_losses_from_logits_are_stable_and_non_saturating():
    d, g = gen.gan_losses(np.array([0.0]), np.array([0.0]))
    assert d == pytest.approx(2 * np.log(2)) and g == pytest.approx(np.log(2))
    real, fake = np.array([2.0, -1.0]), np.array([0.5, -3.0, 1.0])
    sig = lambda z: 1 / (1 + np.exp(-z))
    d, g = gen.gan_losses(real, fake)
    assert d == pytest.approx(-np.mean(np.log(sig(real))) - np.mean(np.log(1 - sig(fake))))
    assert g == pytest.approx(-np.mean(np.log(sig(fake))))
    d, g = gen.gan_losses(np.array([1000.0]), np.array([-1000.0]))
    assert d == pytest.approx(0.0, abs=1e-12) and g == pytest.approx(1000.0)


def test_coverage_report_of_an_even_and_a_collapsed_batch():
    even = np.eye(10)[np.arange(100) % 10] * 0.9 + 0.01
    report = gen.coverage_report(even)
    assert report["classes_covered"] == 10 and report["max_share"] == pytest.approx(0.1)
    assert report["kl_from_uniform"] == pytest.approx(0.0, abs=1e-12)
    assert report["mean_confidence"] == pytest.approx(0.91)
    collapsed = gen.coverage_report(np.eye(10)[np.full(50, 3)])
    assert collapsed["classes_covered"] == 1 and collapsed["max_share"] == 1.0
    assert collapsed["kl_from_uniform"] == pytest.approx(np.log(10))
    assert list(collapsed["counts"]) == [0, 0, 0, 50, 0, 0, 0, 0, 0, 0]


def test_cycle_consistency_loss_is_the_mean_absolute_error():
    real = np.zeros((2, 2, 2, 1))
    cycled = real.copy()
    cycled[0, 0, 0, 0] = 0.8
    assert gen.cycle_consistency_loss(real, cycled) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="shapes differ"):
        gen.cycle_consistency_loss(real, cycled[:1])


def test_domain_b_is_thick_and_inverted_and_from_domain_b_nearly_undoes_it():
    x = np.zeros((1, 28, 28, 1), np.float32)
    x[0, 10:18, 14, 0] = 1.0                       # a one-pixel-wide vertical stroke
    b = gen.to_domain_b(x)
    assert b.dtype == np.float32 and b.shape == x.shape
    assert b[0, 0, 0, 0] == 1.0, "the background becomes white"
    assert np.sum(b < 0.5) == 10 * 3, "the stroke becomes 3 pixels wide (and 1 pixel longer at each end)"
    np.testing.assert_array_equal(gen.from_domain_b(b), x)


def test_train_mnist_classifier_learns_a_separable_toy_problem():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 0.2, size=(200, 28, 28)).astype(np.float32)
    y = np.arange(200) % 2
    x[y == 1, :14] += 0.7                           # class 1: a bright top half
    model = gen.train_mnist_classifier(x, y, n_classes=2, epochs=3)
    assert (model.predict(x[..., None], verbose=0).argmax(axis=1) == y).mean() > 0.95
    assert gen.feature_model(model).output_shape == (None, 128)
