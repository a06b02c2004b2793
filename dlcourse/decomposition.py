"""PCA helpers for chapter 5's first notebook (``05_unsupervised/01_pca``).

The notebook's two exercises are written by the student; the reference versions here
(:func:`components_for_variance`, :func:`project_and_reconstruct`) let the rest of the notebook
run before they are (through :func:`solved_or`), and are what ``tests/test_decomposition.py`` pins.
Also here: :func:`align_signs`, which compares two sets of principal axes that SVD may return
with opposite signs, and :func:`read_projector_files`, which reads back what the notebook writes
for TensorBoard's embedding projector.

Shapes: a data matrix X is (n, d), one example per row; singular values are 1-D, in descending
order, as ``tf.linalg.svd`` and ``np.linalg.svd`` return them. TensorFlow is imported only
inside the functions that need it (:func:`project_and_reconstruct` uses ``tf.linalg.svd``, the
lesson's tool; :func:`read_projector_files` reads checkpoints).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .notebook import solved_or  # noqa: F401  (re-exported, so the notebook can write decomposition.solved_or)


def components_for_variance(singular_values, fraction) -> int:
    """The smallest k whose first k squared singular values hold ``fraction`` of their sum.

    singular_values: 1-D array-like of finite, non-negative numbers in descending order (the
    singular values of a centred data matrix); fraction: a number in (0, 1].
    Returns the smallest int k >= 1 with sum(s[:k]**2) >= fraction * sum(s**2), the total being
    the cumulative sum's last entry, so that fraction 1.0 returns the number of non-zero singular
    values (trailing zeros are never needed) and round-off cannot push k past the end.
    Raises ValueError for an empty or non-1-D input, negative or non-finite values, values not in
    descending order (they are rejected, not sorted: an unsorted input is usually a bug upstream),
    all values zero, or a fraction outside (0, 1].
    """
    s = np.asarray(singular_values, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"singular_values must be a non-empty 1-D array, got shape {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError("singular values must be finite and non-negative")
    if np.any(np.diff(s) > 0):
        raise ValueError("singular values must be in descending order (as tf.linalg.svd returns them)")
    fraction = float(fraction)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    energy = np.cumsum(s ** 2)
    if energy[-1] == 0:
        raise ValueError("all singular values are zero: there is no variance to explain")
    return int(np.argmax(energy >= fraction * energy[-1]) + 1)


def project_and_reconstruct(X, k):
    """PCA with k components, fitted on X: the codes of X and its reconstruction.

    X: array-like (n, d) of numbers; k: int with 1 <= k <= min(n, d).
    The mean is the column mean of X; the k principal axes are the first k right singular
    vectors of the centred X. Returns (codes, reconstruction): codes (n, k) = (X - mean) @ V_k,
    reconstruction (n, d) = codes @ V_k.T + mean, both float32. Each code column's sign is
    arbitrary (SVD's); the reconstruction does not depend on it. X is not modified.
    Raises ValueError if X is not 2-D or k is out of range.
    """
    data = np.asarray(X, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"X must be 2-D (n, d), got shape {data.shape}")
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= min(data.shape):
        raise ValueError(f"k must be an int in [1, {min(data.shape)}], got {k!r}")
    import tensorflow as tf  # its SVD stays fast where a multi-threaded OpenBLAS on a busy machine is not

    mean = data.mean(axis=0)
    centred = data - mean
    _, _, v = tf.linalg.svd(centred, full_matrices=False)
    axes = v[:, :k].numpy()              # (d, k)
    codes = centred @ axes
    return codes.astype(np.float32), (codes @ axes.T + mean).astype(np.float32)


def align_signs(reference, other):
    """``other`` with each column's sign flipped where that makes it agree with ``reference``.

    reference, other: arrays (m, k) of the same shape, e.g. two SVDs' codes or principal axes
    (one per column). A column of ``other`` is negated when its dot product with the same column
    of ``reference`` is negative. Returns (aligned copy of other, signs), signs an array (k,) of +1/-1.
    """
    reference, other = np.asarray(reference), np.asarray(other)
    if reference.shape != other.shape or reference.ndim != 2:
        raise ValueError(f"need two 2-D arrays of one shape, got {reference.shape} and {other.shape}")
    dots = np.sum(reference.astype(np.float64) * other.astype(np.float64), axis=0)
    signs = np.where(dots < 0, -1.0, 1.0)
    return other * signs.astype(other.dtype), signs


def read_projector_files(logdir):
    """Read back TensorBoard embedding-projector files: the config, each tensor and its metadata.

    logdir: the folder holding ``projector_config.pbtxt`` (as written by
    ``tensorboard.plugins.projector.visualize_embeddings``), a checkpoint and the metadata files.
    The checkpoint is the config's ``model_checkpoint_path`` if set, else the latest in logdir.
    Returns a list with one dict per embedding: ``tensor_name``, ``tensor`` (the NumPy array read
    from the checkpoint), ``metadata_path`` (absolute) and ``metadata`` (the file's lines, without
    line ends; [] when the embedding has no metadata file).
    Raises FileNotFoundError when the config, the checkpoint or a metadata file is missing, and
    KeyError when the checkpoint lacks an embedding's tensor.
    """
    import tensorflow as tf
    from google.protobuf import text_format
    from tensorboard.plugins import projector

    logdir = Path(logdir)
    config_path = logdir / "projector_config.pbtxt"
    if not config_path.exists():
        raise FileNotFoundError(f"no projector_config.pbtxt in {logdir}")
    config = text_format.Parse(config_path.read_text(encoding="utf-8"), projector.ProjectorConfig())
    checkpoint = config.model_checkpoint_path or tf.train.latest_checkpoint(str(logdir))
    if not checkpoint:
        raise FileNotFoundError(f"no checkpoint in {logdir} and none named in {config_path.name}")
    reader = tf.train.load_checkpoint(str(checkpoint))
    names = reader.get_variable_to_shape_map()
    embeddings = []
    for embedding in config.embeddings:
        if embedding.tensor_name not in names:
            raise KeyError(f"checkpoint {checkpoint} has no tensor {embedding.tensor_name!r}; it has {sorted(names)}")
        metadata, metadata_path = [], ""
        if embedding.metadata_path:
            path = Path(embedding.metadata_path)
            path = path if path.is_absolute() else logdir / path
            if not path.exists():
                raise FileNotFoundError(f"metadata file {path} named in {config_path.name} does not exist")
            metadata, metadata_path = path.read_text(encoding="utf-8").splitlines(), str(path)
        embeddings.append({"tensor_name": embedding.tensor_name, "tensor": reader.get_tensor(embedding.tensor_name),
                           "metadata_path": metadata_path, "metadata": metadata})
    return embeddings
