"""dlcourse.clustering: the k-means notebook's reference functions, checked against NumPy and scikit-learn."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

from dlcourse import clustering


def brute_force_distances(X, C):
    return ((np.asarray(X, np.float64)[:, None, :] - np.asarray(C, np.float64)[None, :, :]) ** 2).sum(axis=2)


def test_pairwise_squared_distances_match_broadcasting_and_are_never_negative():
    rng = np.random.default_rng(0)
    X, C = rng.normal(size=(30, 4)), rng.normal(size=(5, 4))
    d = np.asarray(clustering.pairwise_squared_distances(X, C))
    assert d.shape == (30, 5) and d.dtype == np.float32
    np.testing.assert_allclose(d, brute_force_distances(X, C), rtol=1e-5, atol=1e-5)
    same = np.asarray(clustering.pairwise_squared_distances(X * 1000, X * 1000))
    assert same.min() >= 0.0, "rounding must not give negative squared distances"


def test_kmeans_step_assigns_to_nearest_and_moves_to_means():
    rng = np.random.default_rng(1)
    X, C = rng.normal(size=(80, 3)).astype(np.float32), rng.normal(size=(4, 3)).astype(np.float32)
    assignments, new_centroids = (np.asarray(t) for t in clustering.kmeans_step(X, C))
    expected = brute_force_distances(X, C).argmin(axis=1)
    assert assignments.dtype == np.int32 and new_centroids.dtype == np.float32
    np.testing.assert_array_equal(assignments, expected)
    for j in range(4):
        np.testing.assert_allclose(new_centroids[j], X[expected == j].mean(axis=0), rtol=1e-5, atol=1e-6)


def test_kmeans_step_keeps_an_empty_clusters_centroid():
    X = np.array([[0.0, 0.0], [1.0, 1.0]], np.float32)
    C = np.array([[0.5, 0.5], [50.0, -7.0]], np.float32)
    assignments, new_centroids = (np.asarray(t) for t in clustering.kmeans_step(X, C))
    np.testing.assert_array_equal(assignments, [0, 0])
    np.testing.assert_array_equal(new_centroids[1], [50.0, -7.0])
    assert np.all(np.isfinite(new_centroids))


def test_lloyd_steps_reach_the_same_fixed_point_as_sklearn_from_the_same_start():
    rng = np.random.default_rng(2)
    X = np.concatenate([rng.normal(loc, 0.5, size=(40, 2)) for loc in ([0, 0], [4, 0], [0, 4])]).astype(np.float32)
    start = X[[0, 45, 90]]
    centroids = start
    for _ in range(50):
        assignments, centroids = clustering.kmeans_step(X, centroids)
    reference = KMeans(n_clusters=3, init=start, n_init=1, algorithm="lloyd", tol=0.0).fit(X)
    np.testing.assert_allclose(np.asarray(centroids), reference.cluster_centers_, rtol=1e-4, atol=1e-5)


def test_plus_plus_probabilities_are_d_squared_to_the_nearest_chosen_centroid():
    X = np.array([[0.0], [1.0], [3.0], [6.0], [5.0]])
    p = clustering.kmeans_plus_plus_probabilities(X, np.array([[0.0], [6.0]]))
    np.testing.assert_allclose(p, np.array([0, 1, 9, 0, 1]) / 11, atol=1e-9)
    rng = np.random.default_rng(3)
    Xr = rng.normal(size=(25, 3))
    d2 = brute_force_distances(Xr, Xr[[2, 7]]).min(axis=1)
    p = clustering.kmeans_plus_plus_probabilities(Xr, Xr[[2, 7]])
    np.testing.assert_allclose(p, d2 / d2.sum(), rtol=1e-4, atol=1e-7)
    assert abs(p.sum() - 1) < 1e-12 and p[2] < 1e-7 and p[7] < 1e-7


def test_plus_plus_probabilities_refuse_when_every_point_is_chosen():
    X = np.array([[1.0, 2.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match="already a centroid"):
        clustering.kmeans_plus_plus_probabilities(X, X[:1])


@pytest.mark.parametrize("n_pixels, n_colors, expected", [
    (273_280, 16, 48 + 136_640),     # the notebook's flower: 4 bits per index
    (10, 2, 6 + 2),                  # 1 bit each, 10 bits round up to 2 bytes
    (10, 1, 3 + 2),                  # even one colour stores 1 bit per pixel
    (9, 17, 51 + 6),                 # 17 colours need 5 bits: 45 bits -> 6 bytes
    (4, 256, 768 + 4),               # 8 bits: one byte per pixel
])
def test_indexed_image_bytes_counts_palette_and_packed_indices(n_pixels, n_colors, expected):
    assert clustering.indexed_image_bytes(n_pixels, n_colors) == expected


def test_indexed_image_bytes_rejects_nonsense():
    with pytest.raises(ValueError):
        clustering.indexed_image_bytes(100, 0)


def test_contingency_counts_pairs_and_checks_lengths():
    table = clustering.contingency([0, 0, 1, 2, 2, 2], [1, 1, 0, 0, 2, 2], n_clusters=4, n_labels=3)
    np.testing.assert_array_equal(table, [[0, 2, 0], [1, 0, 0], [1, 0, 2], [0, 0, 0]])
    assert table.dtype == np.int64
    with pytest.raises(ValueError, match="differ in length"):
        clustering.contingency([0, 1], [0])


def test_solved_or_is_reexported_for_the_notebook():
    from dlcourse.notebook import solved_or
    assert clustering.solved_or is solved_or
