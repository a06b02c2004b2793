"""Reference code for the k-means notebook (``05_unsupervised/02_kmeans``).

The notebook's exercises fall back on :func:`kmeans_step` and
:func:`kmeans_plus_plus_probabilities` while a student's version still raises
``NotImplementedError`` (see :func:`dlcourse.notebook.solved_or`), so every later cell runs.
:func:`indexed_image_bytes` counts the storage of a colour-quantised image and
:func:`contingency` counts (cluster, label) pairs; ``tests/test_clustering.py`` checks all four.
TensorFlow is imported inside the functions that use it.
"""

from __future__ import annotations

import math

import numpy as np

from .notebook import solved_or  # noqa: F401  (re-exported for the notebook's cells)


def pairwise_squared_distances(X, centroids):
    """Squared Euclidean distances between every row of X and every centroid, as a tf.Tensor.

    X: (n, d); centroids: (k, d); any real dtype, computed in float32. Returns float32 (n, k),
    ``||x||^2 - 2 x.c + ||c||^2`` clipped at 0, so it never builds an (n, k, d) array.
    """
    import tensorflow as tf

    X = tf.cast(X, tf.float32)
    C = tf.cast(centroids, tf.float32)
    x2 = tf.reduce_sum(tf.square(X), axis=1, keepdims=True)        # (n, 1)
    c2 = tf.reduce_sum(tf.square(C), axis=1)[tf.newaxis, :]         # (1, k)
    return tf.maximum(x2 - 2.0 * tf.matmul(X, C, transpose_b=True) + c2, 0.0)


def kmeans_step(X, centroids):
    """One step of Lloyd's algorithm: assign every point, then move every centroid.

    X: (n, d) real array or tensor; centroids: (k, d). Each point goes to its nearest centroid
    (squared Euclidean distance; a tie goes to the lower index). Each new centroid is the mean
    of the points assigned to it; a centroid that got no point (an empty cluster) keeps its old
    position. Returns (assignments, new_centroids): int32 tf.Tensor (n,) with values in [0, k),
    and float32 tf.Tensor (k, d).
    """
    import tensorflow as tf

    X = tf.cast(X, tf.float32)
    C = tf.cast(centroids, tf.float32)
    k = tf.shape(C)[0]
    assignments = tf.argmin(pairwise_squared_distances(X, C), axis=1, output_type=tf.int32)
    sums = tf.math.unsorted_segment_sum(X, assignments, k)
    counts = tf.math.unsorted_segment_sum(tf.ones_like(X[:, :1]), assignments, k)   # (k, 1)
    new_centroids = tf.where(counts > 0, sums / tf.maximum(counts, 1.0), C)
    return assignments, new_centroids


def kmeans_plus_plus_probabilities(X, chosen_centroids):
    """k-means++'s D^2 weighting: the probability of picking each point as the next centroid.

    X: (n, d); chosen_centroids: (m, d), m >= 1, the centroids picked so far. D(x) is the
    distance from x to its nearest chosen centroid; the result is D(x)^2 / sum of D^2, a float
    array (n,) that sums to 1 and is 0 at points that coincide with a chosen centroid.
    Raises ValueError if every point coincides with a chosen centroid (all D are 0).
    """
    d2 = np.min(np.asarray(pairwise_squared_distances(X, chosen_centroids), dtype=np.float64), axis=1)
    total = d2.sum()
    if total <= 0:
        raise ValueError("every point is already a centroid: no point left to choose")
    return d2 / total


def indexed_image_bytes(n_pixels: int, n_colors: int) -> int:
    """Bytes to store an image as a palette plus one index per pixel, the indices bit-packed.

    The palette holds ``n_colors`` RGB colours of 3 bytes; each index takes
    ceil(log2(n_colors)) bits (at least 1), and the packed indices are rounded up to whole bytes.
    Compare with ``3 * n_pixels`` bytes for plain 8-bit RGB.
    """
    if n_pixels < 0 or n_colors < 1:
        raise ValueError(f"need n_pixels >= 0 and n_colors >= 1, got {n_pixels} and {n_colors}")
    bits = max(1, math.ceil(math.log2(n_colors)))
    return 3 * n_colors + math.ceil(n_pixels * bits / 8)


def contingency(clusters, labels, n_clusters: int | None = None, n_labels: int | None = None) -> np.ndarray:
    """Counts of (cluster, label) pairs: an int64 array (n_clusters, n_labels).

    clusters, labels: integer arrays of the same length n, values >= 0. The sizes default to
    max + 1 of each. Row c tells which labels cluster c holds.
    """
    clusters = np.asarray(clusters, dtype=np.int64).ravel()
    labels = np.asarray(labels, dtype=np.int64).ravel()
    if clusters.shape != labels.shape:
        raise ValueError(f"clusters and labels differ in length: {clusters.shape[0]} and {labels.shape[0]}")
    n_clusters = int(clusters.max()) + 1 if n_clusters is None else n_clusters
    n_labels = int(labels.max()) + 1 if n_labels is None else n_labels
    table = np.zeros((n_clusters, n_labels), dtype=np.int64)
    np.add.at(table, (clusters, labels), 1)
    return table
