"""The data layer: registry, lookup order, verification and loaders, including bad input."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

import dlcourse
from dlcourse import data

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_MANIFEST = REPO_ROOT.parent / "shared" / "datasets" / "MANIFEST.md"


def _available(name):
    return any(state == "available" for n, state, _ in data.status() if n == name)


def needs(name):
    """Skip a loader test where the data is absent, except in CI, where its absence is a failure."""
    if not _available(name) and not os.environ.get("CI"):
        pytest.skip(f"data set {name} not available here (set DLCOURSE_DATA or run make data)")


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_registry(tmp_path, monkeypatch):
    """A one-file data set 'toy' in a temporary mirror; returns (registry, mirror folder, file bytes)."""
    content = idx_bytes(np.arange(24).reshape(2, 3, 4))
    registry = {"toy": {"title": "Toy", "files": {"toy.gz": {
        "sha256": hashlib.sha256(content).hexdigest(), "size": len(content), "shape": [2, 3, 4], "urls": []}}}}
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv(data.DATA_ENV, str(mirror))
    monkeypatch.setattr(data, "load_registry", lambda path=None: registry)
    return registry, mirror, content


# --- registry ---------------------------------------------------------------------------

def manifest_rows():
    rows = {}
    for line in SHARED_MANIFEST.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 7 and re.fullmatch(r"[0-9a-f]{64}", cells[6]):
            rows[cells[1]] = (cells[6], int(cells[5]))
    return rows


@pytest.mark.skipif(not SHARED_MANIFEST.exists(), reason="../shared/datasets/MANIFEST.md not beside the repo")
def test_registry_lists_every_manifest_file_with_its_checksum_and_size():
    registry = data.load_registry()
    registered = {f"{name}/{fn}": (meta["sha256"], meta["size"])
                  for name, entry in registry.items() for fn, meta in entry["files"].items()}
    assert registered == manifest_rows()


def test_every_data_set_has_licence_citation_publisher_and_download_source():
    for name, entry in data.load_registry().items():
        for key in ("title", "licence", "citation", "publisher"):
            assert entry.get(key), f"{name} lacks {key}"
        for filename, meta in entry["files"].items():
            assert re.fullmatch(r"[0-9a-f]{64}", meta["sha256"]), f"{name}/{filename}: bad sha256"
            assert meta["urls"] or entry.get("archive"), f"{name}/{filename}: nowhere to download it from"


def test_no_registered_data_file_is_committed():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    registered = {meta["sha256"] for entry in data.load_registry().values() for meta in entry["files"].values()}
    names = {fn for entry in data.load_registry().values() for fn in entry["files"]}
    for path in filter(None, tracked.decode().split("\0")):
        assert Path(path).name not in names, f"{path} is a registered data file and must not be committed"
        full = REPO_ROOT / path
        if full.is_file() and full.stat().st_size < 50_000_000:
            assert data.sha256sum(full) not in registered, f"{path} is a copy of a registered data file"


# --- lookup and bad input ------------------------------------------------------------------

def test_file_in_data_env_folder_is_found_and_verified(fake_registry):
    registry, mirror, content = fake_registry
    (mirror / "toy" / "toy.gz").write_bytes(content)
    assert data.locate("toy", "toy.gz", registry=registry) == mirror / "toy" / "toy.gz"


def test_cache_is_searched_after_the_env_folder(fake_registry):
    registry, mirror, content = fake_registry
    cached = data.CACHE_DIR / "toy" / "toy.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(content)
    assert data.locate("toy", "toy.gz", download=False, registry=registry) == cached


def test_missing_file_error_names_data_set_file_every_place_looked_and_the_fix(fake_registry):
    registry, mirror, _ = fake_registry
    with pytest.raises(data.MissingDataError) as err:
        data.locate("toy", "toy.gz", download=False, registry=registry)
    message = str(err.value)
    assert "'toy'" in message and "toy.gz" in message
    assert str(mirror / "toy" / "toy.gz") in message
    assert str(data.CACHE_DIR / "toy" / "toy.gz") in message
    assert "make data" in message


def test_missing_file_error_reports_a_failed_download(fake_registry):
    registry, mirror, _ = fake_registry
    registry["toy"]["files"]["toy.gz"]["urls"] = [(mirror / "nowhere.gz").as_uri()]
    with pytest.raises(data.MissingDataError, match="Download failed"):
        data.locate("toy", "toy.gz", download=True, registry=registry)


def test_wrong_sha256_is_refused_showing_expected_and_actual(fake_registry):
    registry, mirror, content = fake_registry
    bad = content[:-1] + bytes([content[-1] ^ 1])
    (mirror / "toy" / "toy.gz").write_bytes(bad)
    with pytest.raises(data.ChecksumError) as err:
        data.locate("toy", "toy.gz", registry=registry)
    message = str(err.value)
    assert registry["toy"]["files"]["toy.gz"]["sha256"] in message
    assert hashlib.sha256(bad).hexdigest() in message


def test_download_lands_in_the_cache_verified(fake_registry, tmp_path):
    registry, mirror, content = fake_registry
    origin = tmp_path / "origin.gz"
    origin.write_bytes(content)
    registry["toy"]["files"]["toy.gz"]["urls"] = [origin.as_uri()]
    path = data.locate("toy", "toy.gz", download=True, registry=registry)
    assert path == data.CACHE_DIR / "toy" / "toy.gz" and path.read_bytes() == content


def test_download_with_wrong_checksum_is_deleted(fake_registry, tmp_path):
    registry, mirror, content = fake_registry
    origin = tmp_path / "origin.gz"
    origin.write_bytes(content + b"junk")
    registry["toy"]["files"]["toy.gz"]["urls"] = [origin.as_uri()]
    with pytest.raises(data.ChecksumError):
        data.fetch("toy", registry=registry, progress=lambda *_: None)
    assert not (data.CACHE_DIR / "toy" / "toy.gz").exists()


def test_truncated_gzip_is_a_clear_corrupt_file_error(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(idx_bytes(np.zeros((10, 28, 28)))[:-30])
    with pytest.raises(data.CorruptFileError, match="not a complete gzip"):
        data.read_idx(path)


def test_idx_with_fewer_bytes_than_its_header_promises_is_rejected(tmp_path):
    path = tmp_path / "short.gz"
    header = bytes([0, 0, 0x08, 2]) + struct.pack(">2I", 5, 5)
    path.write_bytes(gzip.compress(header + bytes(20)))
    with pytest.raises(data.CorruptFileError, match="header promises"):
        data.read_idx(path)


def test_wrong_shape_is_refused(fake_registry):
    registry, mirror, content = fake_registry
    registry["toy"]["files"]["toy.gz"]["shape"] = [2, 4, 3]
    (mirror / "toy" / "toy.gz").write_bytes(content)
    with pytest.raises(data.DataShapeError, match=r"\(2, 3, 4\), expected \(2, 4, 3\)"):
        data._load_idx("toy", "toy.gz")


def test_read_idx_round_trips_an_array(tmp_path):
    array = np.random.default_rng(0).integers(0, 256, size=(3, 5, 7)).astype(np.uint8)
    path = tmp_path / "a.gz"
    path.write_bytes(idx_bytes(array))
    np.testing.assert_array_equal(data.read_idx(path), array)


# --- the real loaders ---------------------------------------------------------------------

def test_load_mnist_matches_keras_shapes_and_dtypes():
    needs("mnist")
    (x_train, y_train), (x_test, y_test) = dlcourse.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the famous first digits


def test_load_fashion_mnist_has_six_thousand_per_class():
    needs("fashion_mnist")
    (x_train, y_train), (x_test, y_test) = dlcourse.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert len(dlcourse.FASHION_MNIST_CLASSES) == 10


def test_load_shakespeare():
    needs("shakespeare")
    text = dlcourse.load_shakespeare()
    assert len(text) == 1115394 and len(set(text)) == 65 and text.startswith("First Citizen:")


def test_load_movielens_100k_tables():
    needs("movielens_100k")
    ml = dlcourse.load_movielens_100k()
    assert ml.ratings.shape == (100000, 4) and ml.ratings["user_id"].nunique() == 943
    assert ml.movies.shape == (1682, 24) and ml.users.shape == (943, 5)
    assert len(ml.train) == 80000 and len(ml.test) == 20000
    assert ml.ratings["rating"].between(1, 5).all()


def test_load_prices():
    needs("prices")
    btc = dlcourse.load_btc_usd()
    assert btc.shape == (1827, 6) and str(btc.index[0].date()) == "2017-08-18"
    rates = dlcourse.load_ecb_rates()
    assert rates.index.is_monotonic_increasing and str(rates.index[0].date()) == "1999-01-04"
    assert rates["USD"].notna().all() and rates.shape == (6747, 41)


def test_load_translation_pairs_keeps_attribution():
    needs("translation")
    pairs = dlcourse.load_translation_pairs()
    assert pairs.shape == (26388, 3) and pairs["attribution"].str.contains("CC-BY").all()


def test_load_colors():
    needs("colors")
    colors = dlcourse.load_colors()
    assert colors.shape == (865, 6) and colors[["r", "g", "b"]].stack().between(0, 255).all()


def test_load_olivetti_faces_matches_scikit_learn_layout():
    needs("faces")
    images, subjects = dlcourse.load_olivetti_faces()
    assert images.shape == (400, 64, 64) and images.dtype == np.uint8
    assert subjects.tolist()[:11] == [0] * 10 + [1] and subjects.max() == 39


def test_status_command_reports_every_data_set(capsys):
    assert data.main(["status"]) == 0
    out = capsys.readouterr().out
    for name in data.load_registry():
        assert name in out
