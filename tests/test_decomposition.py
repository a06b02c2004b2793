"""The PCA helpers of chapter 5's first notebook: components for a variance fraction, project and
reconstruct, sign alignment, and reading back TensorBoard's embedding-projector files."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

import dlcourse
from dlcourse import decomposition as dec


def _data(n=40, d=6, seed=0, offset=5.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + offset


# --- components_for_variance --------------------------------------------------------------

def test_components_for_variance_uses_squared_singular_values():
    # squares 9, 4, 1 of 14: the first axis holds 64 %; the singular values themselves would say 50 %
    assert dec.components_for_variance([3.0, 2.0, 1.0], 0.6) == 1
    assert dec.components_for_variance([3.0, 2.0, 1.0], 0.9) == 2
    assert dec.components_for_variance([3.0, 2.0, 1.0], 0.95) == 3


def test_components_for_variance_counts_an_exact_tie_as_reached():
    assert dec.components_for_variance([2.0, 1.0, 1.0, 1.0, 1.0], 0.5) == 1  # 4 of 8 is exactly 0.5


def test_fraction_one_returns_the_rank_not_the_length():
    assert dec.components_for_variance(np.array([3.0, 2.0, 1.0, 0.0, 0.0]), 1.0) == 3
    assert dec.components_for_variance(np.linspace(5, 1, 50), 1.0) == 50


def test_components_for_variance_returns_a_python_int():
    assert type(dec.components_for_variance(np.array([2.0, 1.0], dtype=np.float32), 0.5)) is int


def test_components_for_variance_matches_scikit_learn():
    X = _data(200, 12, seed=3)
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    for fraction in (0.3, 0.5, 0.8, 0.9, 0.99):
        assert dec.components_for_variance(s, fraction) == PCA(n_components=fraction, svd_solver="full").fit(X).n_components_


@pytest.mark.parametrize("values, fraction", [
    ([1.0, 3.0, 2.0], 0.5),        # not descending: rejected, not sorted
    ([3.0, -1.0], 0.5),            # negative
    ([3.0, np.nan], 0.5),          # not finite
    ([], 0.5),                     # empty
    ([[3.0, 1.0]], 0.5),           # not 1-D
    ([0.0, 0.0], 0.5),             # no variance
    ([3.0, 1.0], 0.0),             # fraction outside (0, 1]
    ([3.0, 1.0], 1.5),
])
def test_components_for_variance_rejects_bad_input(values, fraction):
    with pytest.raises(ValueError):
        dec.components_for_variance(values, fraction)


# --- project_and_reconstruct ---------------------------------------------------------------

def test_project_and_reconstruct_matches_scikit_learn():
    X = _data()
    codes, recon = dec.project_and_reconstruct(X, 3)
    pca = PCA(n_components=3, svd_solver="full").fit(X)
    reference_codes = pca.transform(X)
    aligned, _ = dec.align_signs(reference_codes, codes)
    np.testing.assert_allclose(aligned, reference_codes, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(recon, pca.inverse_transform(reference_codes), rtol=1e-5, atol=1e-4)


def test_project_and_reconstruct_promises_float32_and_shapes():
    codes, recon = dec.project_and_reconstruct(_data().astype(np.float64), 2)
    assert codes.shape == (40, 2) and recon.shape == (40, 6)
    assert codes.dtype == np.float32 and recon.dtype == np.float32


def test_all_components_reconstruct_the_data_and_leave_it_unchanged():
    X = _data()
    before = X.copy()
    _, recon = dec.project_and_reconstruct(X, 6)
    np.testing.assert_allclose(recon, X, atol=1e-4)
    np.testing.assert_array_equal(X, before)


def test_project_and_reconstruct_accepts_integers_and_centres_the_codes():
    X = np.arange(24).reshape(8, 3) ** 2
    codes, _ = dec.project_and_reconstruct(X, 2)
    np.testing.assert_allclose(codes.mean(axis=0), 0.0, atol=1e-4)


@pytest.mark.parametrize("k", [0, 7, 2.0, -1])
def test_project_and_reconstruct_rejects_bad_k(k):
    with pytest.raises(ValueError):
        dec.project_and_reconstruct(_data(), k)


def test_project_and_reconstruct_rejects_a_vector():
    with pytest.raises(ValueError):
        dec.project_and_reconstruct(np.ones(5), 1)


# --- align_signs ----------------------------------------------------------------------------

def test_align_signs_flips_only_disagreeing_columns():
    a = np.array([[1.0, 2.0, -1.0], [3.0, -1.0, 0.5]])
    b = a * np.array([-1.0, 1.0, -1.0])
    aligned, signs = dec.align_signs(a, b)
    np.testing.assert_array_equal(aligned, a)
    np.testing.assert_array_equal(signs, [-1.0, 1.0, -1.0])
    with pytest.raises(ValueError):
        dec.align_signs(a, b[:, :2])


# --- signed images: dlcourse.show_images(signed=True), as the notebook draws its eigenfaces ---

def test_show_images_signed_centres_each_colour_scale_on_zero():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = np.stack([np.full((3, 3), 2.0), np.linspace(-1, 0.5, 9).reshape(3, 3), np.zeros((3, 3))])
    fig = dlcourse.show_images(images, labels=["a", "b", "c"], n_cols=2, cmap="RdBu_r", title="t", signed=True)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 3 and len(fig.axes) == 4
    assert shown[0].images[0].get_clim() == (-2.0, 2.0) and shown[1].images[0].get_clim() == (-1.0, 1.0)
    assert shown[2].images[0].get_clim() == (-1.0, 1.0)  # all zeros: a scale that exists
    assert [ax.get_title() for ax in shown] == ["a", "b", "c"]
    plt.close(fig)


# --- read_projector_files ---------------------------------------------------------------------

def _write_projector(logdir, values, labels):
    import tensorflow as tf
    from tensorboard.plugins import projector

    variable = tf.Variable(values, name="images")
    tf.train.Checkpoint(images=variable).save(str(logdir / "images.ckpt"))
    (logdir / "metadata.tsv").write_text("".join(f"{label}\n" for label in labels), encoding="utf-8")
    config = projector.ProjectorConfig()
    embedding = config.embeddings.add()
    embedding.tensor_name = "images/.ATTRIBUTES/VARIABLE_VALUE"
    embedding.metadata_path = "metadata.tsv"
    projector.visualize_embeddings(str(logdir), config)


def test_read_projector_files_round_trips_tensor_and_metadata(tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(4, 3)
    _write_projector(tmp_path, values, [7, 2, 1, 0])
    [embedding] = dec.read_projector_files(tmp_path)
    np.testing.assert_array_equal(embedding["tensor"], values)
    assert embedding["metadata"] == ["7", "2", "1", "0"]
    assert embedding["tensor_name"] == "images/.ATTRIBUTES/VARIABLE_VALUE"


def test_read_projector_files_names_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="projector_config.pbtxt"):
        dec.read_projector_files(tmp_path)
    _write_projector(tmp_path, np.ones((2, 2), dtype=np.float32), [0, 1])
    (tmp_path / "metadata.tsv").unlink()
    with pytest.raises(FileNotFoundError, match="metadata"):
        dec.read_projector_files(tmp_path)
