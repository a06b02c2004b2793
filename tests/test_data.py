"""The data layer: registry, lookup order, verification and loaders, including bad input."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
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


# --- image folders verified through their listing, and weight files -------------------------

PET_IMAGES = {"train/cats/cat 1.jpg": b"\xff\xd8\xff cat one", "train/cats/cat 2.jpg": b"\xff\xd8\xff cat two",
              "train/dogs/dog.1.jpg": b"\xff\xd8\xff dog one"}


def sha256sum_listing(images: dict) -> bytes:
    """The listing as sha256sum writes it, computed here independently of data.format_listing."""
    return b"".join(f"{hashlib.sha256(images[p]).hexdigest()}  {p}\n".encode()
                    for p in sorted(images, key=str.encode))


def write_tree(root: Path, files: dict) -> None:
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)


@pytest.fixture
def pets(tmp_path, monkeypatch):
    """An image folder data set 'pets' (3 images, names with spaces) in a temporary mirror, with its
    listing; returns (registry, the data set's folder in the mirror)."""
    listing = sha256sum_listing(PET_IMAGES)
    registry = {"pets": {
        "title": "Pets", "archive": "", "archive_prefix": "pets/", "listing": "SHA256SUMS",
        "files": {"SHA256SUMS": {"sha256": hashlib.sha256(listing).hexdigest(), "size": len(listing), "urls": []}},
        "folders": {"train/cats": {"count": 2, "size": 26}, "train/dogs": {"count": 1, "size": 12}}}}
    root = tmp_path / "mirror" / "pets"
    write_tree(root, {**PET_IMAGES, "SHA256SUMS": listing})
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "mirror"))
    monkeypatch.setattr(data, "load_registry", lambda path=None: registry)
    return registry, root


def test_format_listing_is_what_sha256sum_writes():
    digests = {p: hashlib.sha256(content).hexdigest() for p, content in PET_IMAGES.items()}
    assert data.format_listing(digests).encode() == sha256sum_listing(PET_IMAGES)
    assert data.parse_listing(data.format_listing(digests)) == digests


def test_format_listing_matches_the_sha256sum_command_in_the_c_locale(tmp_path):
    if shutil.which("sha256sum") is None:
        pytest.skip("no sha256sum command here")
    files = {**PET_IMAGES, "train/cats/Cat_3.jpg": b"x", "train/cats/cat-0.jpg": b"y"}
    write_tree(tmp_path, files)
    listed = subprocess.run("find train -type f | LC_ALL=C sort | tr '\\n' '\\0' | xargs -0 sha256sum", shell=True,
                            cwd=tmp_path, capture_output=True, check=True, env={**os.environ, "LC_ALL": "C"}).stdout
    ours = data.format_listing({p: hashlib.sha256(c).hexdigest() for p, c in files.items()})
    assert ours.encode() == listed


def test_a_malformed_listing_line_is_a_corrupt_file_error():
    with pytest.raises(data.CorruptFileError, match="line 2"):
        data.parse_listing(f"{'0' * 64}  a.jpg\nnot a listing line\n", "SHA256SUMS")


def test_image_folder_with_its_listing_is_found_and_every_image_verified(pets):
    registry, root = pets
    assert data.locate("pets", registry=registry) == root
    assert data.locate_folder("pets", registry=registry) == root
    assert set(data._find_folder("pets", registry=registry)[1]) == set(PET_IMAGES)


def test_image_folder_without_a_listing_is_verified_by_building_it(pets):
    registry, root = pets
    (root / "SHA256SUMS").unlink()
    assert data.locate("pets", registry=registry) == root


def test_a_missing_image_is_named_with_the_folder_and_the_fix(pets):
    registry, root = pets
    (root / "train/cats/cat 2.jpg").unlink()
    with pytest.raises(data.MissingDataError) as err:
        data.locate("pets", registry=registry)
    message = str(err.value)
    assert "'pets'" in message and "train/cats/cat 2.jpg" in message and str(root) in message
    assert "make data" in message and "1 of its 3 images" in message


def test_a_tampered_image_is_named(pets):
    registry, root = pets
    (root / "train/dogs/dog.1.jpg").write_bytes(b"\xff\xd8\xff not the dog")
    with pytest.raises(data.ChecksumError) as err:
        data.locate("pets", registry=registry)
    message = str(err.value)
    assert "train/dogs/dog.1.jpg" in message and "train/cats" not in message and "make data" in message


def test_a_tampered_image_without_a_listing_is_refused_with_the_folder_counts(pets):
    registry, root = pets
    (root / "SHA256SUMS").unlink()
    (root / "train/cats/cat 1.jpg").write_bytes(b"\xff\xd8\xff another cat")
    with pytest.raises(data.ChecksumError) as err:
        data.locate("pets", registry=registry)
    message = str(err.value)
    assert registry["pets"]["files"]["SHA256SUMS"]["sha256"] in message
    assert "train/cats/ 2 (registered 2)" in message and "cannot be told" in message


def test_an_image_short_of_the_registered_count_without_a_listing_is_missing(pets):
    registry, root = pets
    (root / "SHA256SUMS").unlink()
    (root / "train/dogs/dog.1.jpg").unlink()
    with pytest.raises(data.MissingDataError, match=r"train/dogs/ holds 0 of 1 images"):
        data.locate("pets", registry=registry)


def test_a_wrong_listing_is_refused_showing_expected_and_actual(pets):
    registry, root = pets
    forged = sha256sum_listing({**PET_IMAGES, "train/dogs/dog.1.jpg": b"forged"})
    (root / "SHA256SUMS").write_bytes(forged)
    with pytest.raises(data.ChecksumError) as err:
        data.locate("pets", registry=registry)
    message = str(err.value)
    assert "pets/SHA256SUMS" in message and hashlib.sha256(forged).hexdigest() in message
    assert registry["pets"]["files"]["SHA256SUMS"]["sha256"] in message


def test_image_folder_found_nowhere_names_its_folders_every_place_looked_and_the_fix(pets, tmp_path):
    registry, root = pets
    shutil.rmtree(root)
    with pytest.raises(data.MissingDataError) as err:
        data.locate("pets", download=False, registry=registry)
    message = str(err.value)
    assert "train/cats/ (2 images)" in message and "SHA256SUMS" in message
    assert str(root) in message and str(data.CACHE_DIR / "pets") in message and "make data" in message


def test_a_second_verification_in_the_same_process_hashes_nothing(pets, monkeypatch):
    registry, root = pets
    data.locate("pets", registry=registry)
    hashed = []
    original = data.sha256sum
    monkeypatch.setattr(data, "sha256sum", lambda path: hashed.append(path) or original(path))
    data.locate("pets", registry=registry)
    assert hashed == []
    (root / "train/cats/cat 1.jpg").write_bytes(b"\xff\xd8\xff a changed cat")  # new size: hashed again
    with pytest.raises(data.ChecksumError):
        data.locate("pets", registry=registry)
    assert [Path(p).name for p in hashed] == ["cat 1.jpg"]


def pets_archive(tmp_path, images: dict, prefix="pets/", extra=()) -> Path:
    import zipfile
    path = tmp_path / "pets.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for relative, content in images.items():
            zf.writestr(prefix + relative, content)
        for relative in extra:
            zf.writestr(prefix + relative, b"not registered")
    return path


def test_folder_download_extracts_the_registered_folders_and_writes_the_listing(pets, tmp_path, monkeypatch):
    registry, root = pets
    shutil.rmtree(root)
    entry = registry["pets"]
    entry["archive"] = pets_archive(tmp_path, PET_IMAGES, extra=["vectorize.py", "train/cats/.DS_Store"]).as_uri()
    found = data.locate("pets", download=True, registry=registry)
    assert found == data.CACHE_DIR / "pets"
    assert (found / "SHA256SUMS").read_bytes() == sha256sum_listing(PET_IMAGES)
    assert not (found / "vectorize.py").exists() and not (found / "train/cats/.DS_Store").exists()
    assert [p.name for p in data.CACHE_DIR.iterdir()] == ["pets"]  # no staging folder left behind


def test_folder_download_keeps_every_kth_file_where_the_registry_says_so(pets, tmp_path):
    registry, root = pets
    shutil.rmtree(root)
    many = {f"train/cats/{name}.jpg": name.encode() for name in ["a 1", "a 2", "a 3", "b 1", "b 2"]}
    kept = {p: c for p, c in many.items() if p.endswith(("a 1.jpg", "b 1.jpg"))}  # 1st and 4th in C order
    images = {**kept, "train/dogs/dog.1.jpg": PET_IMAGES["train/dogs/dog.1.jpg"]}
    listing = sha256sum_listing(images)
    entry = registry["pets"]
    entry["files"]["SHA256SUMS"].update(sha256=hashlib.sha256(listing).hexdigest(), size=len(listing))
    entry["folders"]["train/cats"]["keep_every"] = 3
    entry["archive"] = pets_archive(tmp_path, {**many, "train/dogs/dog.1.jpg": images["train/dogs/dog.1.jpg"]}).as_uri()
    found = data.locate("pets", download=True, registry=registry)
    assert sorted(p.name for p in (found / "train/cats").iterdir()) == ["a 1.jpg", "b 1.jpg"]


def test_folder_download_with_a_wrong_image_is_discarded(pets, tmp_path):
    registry, root = pets
    shutil.rmtree(root)
    registry["pets"]["archive"] = pets_archive(tmp_path, {**PET_IMAGES, "train/cats/cat 1.jpg": b"bad"}).as_uri()
    with pytest.raises(data.ChecksumError, match="discarded"):
        data.fetch("pets", registry=registry, progress=lambda *_: None)
    assert not data.CACHE_DIR.exists() or list(data.CACHE_DIR.iterdir()) == []


def test_folder_download_that_fails_is_reported_in_the_missing_data_error(pets, tmp_path):
    registry, root = pets
    shutil.rmtree(root)
    registry["pets"]["archive"] = (tmp_path / "nowhere.zip").as_uri()
    with pytest.raises(data.MissingDataError, match="Download failed"):
        data.locate("pets", download=True, registry=registry)


def test_status_reports_an_image_folder_available_only_when_complete(pets):
    registry, root = pets
    assert data.status(registry) == [("pets", "available", str(root))]
    (root / "train/dogs/dog.1.jpg").unlink()
    assert data.status(registry) == [("pets", "missing", "")]


def test_a_truncated_weights_file_is_refused_as_truncated(fake_registry):
    registry, mirror, _ = fake_registry
    weights = b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 40
    registry["weights"] = {"title": "Weights", "files": {"w.h5": {
        "sha256": hashlib.sha256(weights).hexdigest(), "size": len(weights), "urls": []}}}
    (mirror / "weights").mkdir()
    (mirror / "weights" / "w.h5").write_bytes(weights[:4096])
    with pytest.raises(data.ChecksumError) as err:
        data.locate("weights", "w.h5", registry=registry)
    message = str(err.value)
    assert "weights/w.h5" in message and "truncated" in message and f"4,096 bytes of the registered {len(weights):,}" in message


def test_locate_without_a_file_name_needs_an_image_folder_data_set():
    with pytest.raises(KeyError, match="not an image folder"):
        data.locate("mnist")


def test_cats_vs_dogs_is_verified_in_full_with_its_counts():
    needs("cats_vs_dogs")
    registry = data.load_registry()
    root, images = data._find_folder("cats_vs_dogs")
    assert len(images) == 3000 == registry["cats_vs_dogs"]["files"]["SHA256SUMS"]["shape"][0]
    for folder, meta in registry["cats_vs_dogs"]["folders"].items():
        mine = [p for p in images.values() if p.parent == root / folder]
        assert len(mine) == meta["count"] and sum(p.stat().st_size for p in mine) == meta["size"], folder
    paths, labels = dlcourse.cats_vs_dogs_files("validation", limit=3)
    assert [Path(p).name for p in paths] == ["cat.2000.jpg", "cat.2001.jpg", "cat.2002.jpg",
                                             "dog.2000.jpg", "dog.2001.jpg", "dog.2002.jpg"]
    assert labels.tolist() == [0, 0, 0, 1, 1, 1] and dlcourse.CATS_VS_DOGS_CLASSES == ("cat", "dog")


def test_summer2winter_is_verified_with_names_that_hold_spaces():
    needs("cyclegan/summer2winter_yosemite")
    root, images = data._find_folder("cyclegan/summer2winter_yosemite")
    assert len(images) == 1096 and any(" " in p for p in images)
    assert {p.split("/")[0] for p in images} == {"trainA", "trainB", "testA", "testB"}
    summer, winter = dlcourse.load_summer2winter("test", image_size=32, limit=3)
    assert summer.shape == winter.shape == (3, 32, 32, 3) and summer.dtype == np.uint8
    assert summer.max() > 100 and winter.max() > 100, "photos decoded, not blank"
    summer, winter = dlcourse.load_summer2winter("train", image_size=16)
    assert (len(summer), len(winter)) == (308, 241)
    with pytest.raises(ValueError, match="split"):
        dlcourse.load_summer2winter("validation")


def test_weight_files_are_located_and_verified():
    needs("weights")
    assert data.locate("weights", "mobilenet_2_5_224_tf_no_top.h5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    assert data.locate("weights", "mobilenet_v2_035_96_embedder_with_metadata.tflite").read_bytes()[4:8] == b"TFL3"
