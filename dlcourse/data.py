"""Data sets: the registry, where files are looked for, and one loader per data set.

Every file is found by name in ``datasets/registry.toml`` and verified by sha256 wherever
it is found. The lookup order is:

1. the folder named by the ``DLCOURSE_DATA`` environment variable (laid out as
   ``<folder>/<data set>/<file>``, like ``../shared/datasets``);
2. ``datasets/cache/<data set>/<file>`` in this repository;
3. a download of the canonical file into that cache (skipped when ``DLCOURSE_OFFLINE=1``).

Run ``python -m dlcourse.data status`` to see what is available and from where, and
``python -m dlcourse.data fetch`` (``make data``) to download everything into the cache.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import struct
import sys
import tempfile
import tomllib
import urllib.request
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
REGISTRY_PATH = REPO_ROOT / "datasets" / "registry.toml"
CACHE_DIR = REPO_ROOT / "datasets" / "cache"
DATA_ENV = "DLCOURSE_DATA"
OFFLINE_ENV = "DLCOURSE_OFFLINE"
FETCH_HINT = "make data   (or: python -m dlcourse.data fetch {name})"

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


class DataError(RuntimeError):
    """Base class of every data problem; the message always says how to fix it."""


class MissingDataError(DataError):
    """A registered file was found nowhere and could not be downloaded."""


class ChecksumError(DataError):
    """A file's sha256 differs from the registry's."""


class CorruptFileError(DataError):
    """A file has the right name but cannot be parsed (truncated, wrong format)."""


class DataShapeError(DataError):
    """A parsed array or table does not have the shape the registry promises."""


@lru_cache(maxsize=None)
def load_registry(path: Path = REGISTRY_PATH) -> dict:
    """The registry as a dict: data set name -> its table (title, licence, files, ...)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def _entry(name: str, registry: dict | None = None) -> dict:
    registry = registry if registry is not None else load_registry()
    if name not in registry:
        raise KeyError(f"no data set named {name!r} in the registry; known: {', '.join(sorted(registry))}")
    return registry[name]


def search_dirs() -> list[Path]:
    """The folders looked in, in order: $DLCOURSE_DATA (if set), then the cache."""
    dirs = []
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]).expanduser())
    dirs.append(CACHE_DIR)
    return dirs


def sha256sum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=256)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> str:
    # Keyed on size and mtime so a file replaced on disk is hashed again.
    return sha256sum(Path(path))


def verify(path: Path, name: str, filename: str, expected: str) -> Path:
    """Return ``path`` if its sha256 is ``expected``; raise ChecksumError otherwise."""
    stat = path.stat()
    actual = _verified(str(path), stat.st_size, stat.st_mtime_ns, expected)
    if actual != expected:
        raise ChecksumError(
            f"{name}/{filename} at {path} has the wrong sha256 and was refused.\n"
            f"  expected: {expected}\n"
            f"  actual:   {actual}\n"
            f"The file is damaged or is a different release. Delete it and run: {FETCH_HINT.format(name=name)}"
        )
    return path


def locate(name: str, filename: str, download: bool | None = None, registry: dict | None = None) -> Path:
    """Path to a verified copy of ``filename`` of data set ``name``.

    Looks in :func:`search_dirs`, then downloads into the cache unless ``download`` is False
    (default: download unless ``DLCOURSE_OFFLINE=1``). Raises MissingDataError or ChecksumError.
    """
    entry = _entry(name, registry)
    if filename not in entry["files"]:
        raise KeyError(f"data set {name!r} has no file {filename!r}; its files: {', '.join(entry['files'])}")
    expected = entry["files"][filename]["sha256"]
    looked = []
    for folder in search_dirs():
        candidate = folder / name / filename
        looked.append(candidate)
        if candidate.is_file():
            return verify(candidate, name, filename, expected)
    if download is None:
        download = os.environ.get(OFFLINE_ENV, "") not in ("1", "true", "yes")
    errors = []
    if download:
        try:
            fetch(name, registry=registry)
            return verify(CACHE_DIR / name / filename, name, filename, expected)
        except (OSError, DataError) as exc:  # no network, refused, or bad bytes
            errors.append(str(exc).splitlines()[0])
    places = "\n".join(f"  - {p}" for p in looked)
    tried = f"\nDownload failed: {errors[0]}" if errors else "\nDownload skipped (offline)."
    env_hint = "" if os.environ.get(DATA_ENV) else f" or set {DATA_ENV} to a folder that holds {name}/{filename}"
    raise MissingDataError(
        f"data set {name!r} ({entry.get('title', name)}): file {filename!r} not found.\n"
        f"Looked in:\n{places}{tried}\n"
        f"Fix: run {FETCH_HINT.format(name=name)} on a machine with internet{env_hint}."
    )


def _download(url: str, dest: Path, timeout: float = 60) -> None:
    tmp = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
        shutil.copyfileobj(response, out)
    tmp.replace(dest)


def fetch(name: str, registry: dict | None = None, progress=print) -> list[Path]:
    """Download every file of data set ``name`` into the cache and verify it."""
    entry = _entry(name, registry)
    folder = CACHE_DIR / name
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    if "archive" in entry:
        missing = [f for f in entry["files"] if not (folder / f).is_file()]
        if missing:
            progress(f"{name}: downloading {entry['archive']}")
            with tempfile.TemporaryDirectory() as tmp:
                archive = Path(tmp) / "archive.zip"
                _download(entry["archive"], archive)
                with zipfile.ZipFile(archive) as zf:
                    for filename in missing:
                        (folder / filename).write_bytes(zf.read(entry.get("archive_prefix", "") + filename))
    for filename, meta in entry["files"].items():
        dest = folder / filename
        if not dest.is_file():
            for url in meta.get("urls", []):
                progress(f"{name}/{filename}: downloading {url}")
                try:
                    _download(url, dest)
                    break
                except OSError as exc:
                    progress(f"  failed: {exc}")
            else:
                raise MissingDataError(f"{name}/{filename}: every URL failed: {', '.join(meta.get('urls', []))}")
        try:
            done.append(verify(dest, name, filename, meta["sha256"]))
        except ChecksumError:
            dest.unlink()  # never leave a bad file where the next lookup would find it
            raise
    return done


def status(registry: dict | None = None) -> list[tuple[str, str, str]]:
    """(data set, state, where) for each data set, without downloading anything."""
    registry = registry if registry is not None else load_registry()
    rows = []
    for name, entry in registry.items():
        where, state = "", "missing"
        for folder in search_dirs():
            if all((folder / name / f).is_file() for f in entry["files"]):
                where, state = str(folder / name), "available"
                break
        rows.append((name, state, where))
    return rows


# --- parsing -----------------------------------------------------------------------

def _check_shape(array_shape, name: str, filename: str, registry: dict | None = None) -> None:
    expected = _entry(name, registry)["files"][filename].get("shape")
    if expected is not None and list(array_shape) != list(expected):
        raise DataShapeError(
            f"{name}/{filename} parsed to shape {tuple(array_shape)}, expected {tuple(expected)}. "
            f"The file is not the registered release; delete it and run {FETCH_HINT.format(name=name)}."
        )


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format) into a uint8 array of the shape in its header."""
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:  # gzip raises EOFError on a truncated stream
        raise CorruptFileError(f"{path} is not a complete gzip file ({exc}). Delete it and fetch it again.") from exc
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise CorruptFileError(f"{path} is not an IDX file of unsigned bytes (magic {raw[:4].hex()}).")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise CorruptFileError(f"{path}: header promises {dims} = {int(np.prod(dims))} bytes, file holds {data.size}.")
    return data.reshape(dims)


def _load_idx(name: str, filename: str) -> np.ndarray:
    array = read_idx(locate(name, filename))
    _check_shape(array.shape, name, filename)
    return array


def _load_idx_pair(name: str):
    x_train = _load_idx(name, "train-images-idx3-ubyte.gz")
    y_train = _load_idx(name, "train-labels-idx1-ubyte.gz")
    x_test = _load_idx(name, "t10k-images-idx3-ubyte.gz")
    y_test = _load_idx(name, "t10k-labels-idx1-ubyte.gz")
    return (x_train, y_train), (x_test, y_test)


# --- loaders ----------------------------------------------------------------------

def load_mnist():
    """MNIST as Keras returns it: ``(x_train, y_train), (x_test, y_test)``.

    x: uint8 (60000, 28, 28) and (10000, 28, 28), pixels 0-255; y: uint8 (60000,), (10000,), digits 0-9.
    """
    return _load_idx_pair("mnist")


def load_fashion_mnist():
    """Fashion-MNIST as Keras returns it; class names in ``FASHION_MNIST_CLASSES``.

    x: uint8 (60000, 28, 28) and (10000, 28, 28); y: uint8 labels 0-9.
    """
    return _load_idx_pair("fashion_mnist")


def load_shakespeare() -> str:
    """Tiny Shakespeare as one string of 1,115,394 characters (65 distinct)."""
    text = locate("shakespeare", "input.txt").read_text(encoding="utf-8")
    _check_shape([len(text)], "shakespeare", "input.txt")
    return text


@dataclass
class MovieLens:
    """MovieLens 100K tables. ratings/train/test: user_id, item_id, rating, timestamp."""
    ratings: "pd.DataFrame"  # noqa: F821
    movies: "pd.DataFrame"  # noqa: F821
    users: "pd.DataFrame"  # noqa: F821
    train: "pd.DataFrame"  # noqa: F821  (official u1.base, 80,000 rows)
    test: "pd.DataFrame"  # noqa: F821   (official u1.test, 20,000 rows)


def load_movielens_100k() -> MovieLens:
    """MovieLens 100K: 100,000 ratings (1-5) of 1,682 movies by 943 users, plus the u1 split."""
    import pandas as pd

    def ratings(filename):
        df = pd.read_csv(locate("movielens_100k", filename), sep="\t",
                         names=["user_id", "item_id", "rating", "timestamp"])
        _check_shape(df.shape, "movielens_100k", filename)
        return df

    genres = pd.read_csv(locate("movielens_100k", "u.genre"), sep="|", names=["genre", "id"], encoding="latin-1")
    movie_cols = ["item_id", "title", "release_date", "video_release_date", "imdb_url"] + list(genres["genre"])
    movies = pd.read_csv(locate("movielens_100k", "u.item"), sep="|", names=movie_cols, encoding="latin-1")
    _check_shape(movies.shape, "movielens_100k", "u.item")
    users = pd.read_csv(locate("movielens_100k", "u.user"), sep="|",
                        names=["user_id", "age", "gender", "occupation", "zip_code"])
    _check_shape(users.shape, "movielens_100k", "u.user")
    return MovieLens(ratings("u.data"), movies, users, ratings("u1.base"), ratings("u1.test"))


def load_btc_usd():
    """Daily BTC-USD prices, 2017-08-18 to 2022-08-18: a DataFrame indexed by Date with
    Open, High, Low, Close, Adj Close (float64, USD) and Volume (int64)."""
    import pandas as pd
    df = pd.read_csv(locate("prices", "BTC-USD.csv"), parse_dates=["Date"], index_col="Date")
    _check_shape(df.shape, "prices", "BTC-USD.csv")
    return df


def load_ecb_rates():
    """ECB euro reference rates: a DataFrame indexed by Date (oldest first), one float64
    column per currency (units of currency per euro); "N/A" for retired currencies is NaN."""
    import pandas as pd
    df = pd.read_csv(locate("prices", "eurofxref-hist.csv"), parse_dates=["Date"], index_col="Date",
                     na_values=["N/A"])
    df = df.loc[:, ~df.columns.str.startswith("Unnamed")].sort_index()  # the trailing comma's empty column
    _check_shape(df.shape, "prices", "eurofxref-hist.csv")
    return df.astype("float64")


def load_translation_pairs():
    """English-Mandarin pairs: a DataFrame with columns english, chinese, attribution (26,388 rows).
    Keep the attribution column with any excerpt you publish (CC BY 2.0 FR)."""
    import pandas as pd
    df = pd.read_csv(locate("translation", "cmn.txt"), sep="\t", names=["english", "chinese", "attribution"],
                     quoting=3, encoding="utf-8")
    _check_shape(df.shape, "translation", "cmn.txt")
    return df


def load_colors():
    """Named colours: a DataFrame with columns id, name, hex, r, g, b (865 rows, r/g/b 0-255)."""
    import pandas as pd
    df = pd.read_csv(locate("colors", "colors.csv"), names=["id", "name", "hex", "r", "g", "b"], header=None)
    _check_shape(df.shape, "colors", "colors.csv")
    return df


def load_olivetti_faces():
    """Olivetti faces: ``(images, subjects)``; images uint8 (400, 64, 64), subjects int64 (400,) in 0-39."""
    from scipy.io import loadmat
    path = locate("faces", "olivettifaces.mat")
    try:
        faces = loadmat(path)["faces"]
    except Exception as exc:  # scipy raises several types for damaged MAT files
        raise CorruptFileError(f"{path} could not be read as a MAT file ({exc}).") from exc
    # Each column is one image stored column-major (MATLAB), hence the transposes.
    images = np.ascontiguousarray(faces.T.reshape(-1, 64, 64).transpose(0, 2, 1)).astype(np.uint8)
    _check_shape(images.shape, "faces", "olivettifaces.mat")
    return images, np.arange(len(images)) // 10


# --- command line -----------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="say which data sets are available and from where")
    fetch_parser = sub.add_parser("fetch", help="download and verify data sets into datasets/cache/")
    fetch_parser.add_argument("names", nargs="*", help="data sets (default: all)")
    args = parser.parse_args(argv)
    registry = load_registry()
    if args.command == "status":
        print(f"Data sets (looked for in: {', '.join(str(d) for d in search_dirs())}):")
        for name, state, where in status(registry):
            print(f"  {name:16s} {state:10s} {where}")
        if any(state == "missing" for _, state, _ in status(registry)):
            print(f"Missing data sets download on first use, or all at once with `make data`; "
                  f"or set {DATA_ENV} to a mirror.")
        return 0
    failed = []
    for name in args.names or list(registry):
        try:
            fetch(name, registry)
            print(f"{name}: ok")
        except (OSError, DataError) as exc:
            failed.append(name)
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
