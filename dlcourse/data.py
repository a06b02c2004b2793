"""Data sets: the registry, where files are looked for, and one loader per data set.

Every file is found by name in ``datasets/registry.toml`` and verified by sha256 wherever
it is found. The lookup order is:

1. the folder named by the ``DLCOURSE_DATA`` environment variable (laid out as
   ``<folder>/<data set>/<file>``, like ``../shared/datasets``);
2. ``datasets/cache/<data set>/<file>`` in this repository;
3. a download of the canonical file into that cache (skipped when ``DLCOURSE_OFFLINE=1``).

An image folder data set (``folders`` in its registry table) is verified through its
listing: the sha256 of every image, in ``sha256sum``'s format, whose own sha256 the registry
holds; ``locate(name)`` returns its verified folder.

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
CATS_VS_DOGS_CLASSES = ("cat", "dog")  # label 0 and label 1


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


def verify(path: Path, name: str, filename: str, expected: str, size: int | None = None) -> Path:
    """Return ``path`` if its sha256 is ``expected``; raise ChecksumError otherwise.

    ``size`` (the registered byte count), when given, lets the message say that a file is truncated.
    """
    stat = path.stat()
    actual = _verified(str(path), stat.st_size, stat.st_mtime_ns, expected)
    if actual != expected:
        short = (f"  size:     {stat.st_size:,} bytes of the registered {size:,}: the file is truncated "
                 f"(an interrupted download or copy?)\n" if size is not None and stat.st_size < size else "")
        raise ChecksumError(
            f"{name}/{filename} at {path} has the wrong sha256 and was refused.\n"
            f"  expected: {expected}\n"
            f"  actual:   {actual}\n{short}"
            f"The file is damaged or is a different release. Delete it and run: {FETCH_HINT.format(name=name)}"
        )
    return path


def _download_allowed(download: bool | None) -> bool:
    return download if download is not None else os.environ.get(OFFLINE_ENV, "") not in ("1", "true", "yes")


def locate(name: str, filename: str | None = None, download: bool | None = None,
           registry: dict | None = None) -> Path:
    """Path to a verified copy of ``filename`` of data set ``name``.

    Looks in :func:`search_dirs`, then downloads into the cache unless ``download`` is False
    (default: download unless ``DLCOURSE_OFFLINE=1``). Raises MissingDataError or ChecksumError.
    For an image folder data set, leave ``filename`` out: the result is the data set's folder,
    every image verified (:func:`locate_folder`).
    """
    entry = _entry(name, registry)
    if filename is None:
        if "folders" not in entry:
            raise KeyError(f"data set {name!r} is not an image folder; name one of its files: {', '.join(entry['files'])}")
        return locate_folder(name, download=download, registry=registry)
    if filename not in entry["files"]:
        raise KeyError(f"data set {name!r} has no file {filename!r}; its files: {', '.join(entry['files'])}")
    expected, size = entry["files"][filename]["sha256"], entry["files"][filename].get("size")
    looked = []
    for folder in search_dirs():
        candidate = folder / name / filename
        looked.append(candidate)
        if candidate.is_file():
            return verify(candidate, name, filename, expected, size)
    download = _download_allowed(download)
    errors = []
    if download:
        try:
            fetch(name, registry=registry)
            return verify(CACHE_DIR / name / filename, name, filename, expected, size)
        except (OSError, DataError) as exc:  # no network, refused, or bad bytes
            errors.append(str(exc).splitlines()[0])
    raise _missing(name, entry, f"file {filename!r}", f"{name}/{filename}", looked, errors)


def _missing(name: str, entry: dict, what: str, holds: str, looked: list, errors: list) -> MissingDataError:
    """The error for a data set found nowhere: what is missing, every place looked, the fix."""
    places = "\n".join(f"  - {p}" for p in looked)
    tried = f"\nDownload failed: {errors[0]}" if errors else "\nDownload skipped (offline)."
    env_hint = "" if os.environ.get(DATA_ENV) else f" or set {DATA_ENV} to a folder that holds {holds}"
    return MissingDataError(
        f"data set {name!r} ({entry.get('title', name)}): {what} not found.\n"
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
    if "folders" in entry:
        return [fetch_folders(name, entry, progress)]
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
            done.append(verify(dest, name, filename, meta["sha256"], meta.get("size")))
        except ChecksumError:
            dest.unlink()  # never leave a bad file where the next lookup would find it
            raise
    return done


def status(registry: dict | None = None) -> list[tuple[str, str, str]]:
    """(data set, state, where) for each data set, without downloading anything.

    Nothing is hashed here: a file counts as available if it exists, an image folder data set if
    each of its folders holds the registered number of files.
    """
    registry = registry if registry is not None else load_registry()
    rows = []
    for name, entry in registry.items():
        where, state = "", "missing"
        for folder in search_dirs():
            root = folder / name
            complete = (_folder_counts_match(root, entry) if "folders" in entry
                        else all((root / f).is_file() for f in entry["files"]))
            if complete:
                where, state = str(root), "available"
                break
        rows.append((name, state, where))
    return rows


# --- image folders, verified through their listing ---------------------------------------

def format_listing(digests: dict[str, str]) -> str:
    """``sha256sum``'s text format: one ``<sha256>  <path>`` line per file, paths in C-locale order.

    digests: relative path (``train/cats/cat.0.jpg``) -> sha256 hex. Sorting by code point is the
    C locale's byte order, since UTF-8 keeps it. (sha256sum escapes names holding a backslash or a
    newline; no registered name does.)
    """
    return "".join(f"{digests[path]}  {path}\n" for path in sorted(digests))


def parse_listing(text: str, source: str = "listing") -> dict[str, str]:
    """The inverse of :func:`format_listing`: relative path -> sha256. Raises CorruptFileError."""
    digests = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, path = line[:64], line[64:66], line[66:]
        if len(digest) != 64 or sep not in ("  ", " *") or not path or any(c not in "0123456789abcdef" for c in digest):
            raise CorruptFileError(f"{source}, line {number}, is not a sha256sum line (<64 hex digits>  <path>): {line[:90]!r}")
        digests[path] = digest
    return digests


@lru_cache(maxsize=None)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    # Keyed on size and mtime like _verified, but unbounded: a data set holds thousands of images.
    return sha256sum(Path(path))


def _scan(root: Path, entry: dict) -> dict[str, os.stat_result]:
    """The files (not hidden, not folders) directly inside each registered folder: relative path -> stat."""
    files = {}
    for folder in entry["folders"]:
        try:
            with os.scandir(root / folder) as scan:
                for item in scan:
                    if not item.name.startswith(".") and item.is_file():
                        files[f"{folder}/{item.name}"] = item.stat()
        except (FileNotFoundError, NotADirectoryError):
            pass
    return files


def _digest(root: Path, relative: str, stat: os.stat_result) -> str:
    return _file_sha256(os.path.join(root, relative), stat.st_size, stat.st_mtime_ns)


def _folder_counts(root: Path, entry: dict, files: dict | None = None) -> dict[str, int]:
    files = _scan(root, entry) if files is None else files
    counts = dict.fromkeys(entry["folders"], 0)
    for relative in files:
        counts[relative.rsplit("/", 1)[0]] += 1
    return counts


def _folder_counts_match(root: Path, entry: dict) -> bool:
    return _folder_counts(root, entry) == {folder: meta["count"] for folder, meta in entry["folders"].items()}


def _some(paths, limit: int = 8) -> str:
    paths = sorted(paths)
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit:,} more" if len(paths) > limit else "")


def verify_folder(root: Path, name: str, entry: dict) -> dict[str, Path]:
    """Verify an image folder data set at ``root``; return its images (relative path -> path).

    With the listing file at ``root``: the listing's own sha256 is checked, then every image it
    names, so a mismatch names the images that are missing (MissingDataError) or differ
    (ChecksumError). Without it: the listing is built from the images found in the registered
    folders and its sha256 compared with the registry's (ChecksumError, with the folder counts).
    Every file is hashed once per process unless its size or mtime changes, and a folder whose
    files all keep their size and mtime is not checked again (a second call costs a directory scan).
    """
    found = _scan(root, entry)
    listing_path = root / entry["listing"]
    listing_stat = listing_path.stat() if listing_path.is_file() else None
    fingerprint = (tuple(sorted((p, st.st_size, st.st_mtime_ns) for p, st in found.items())),
                   listing_stat and (listing_stat.st_size, listing_stat.st_mtime_ns))
    key = (str(root), entry["files"][entry["listing"]]["sha256"])
    if key in _verified_folders and _verified_folders[key][0] == fingerprint:
        return dict(_verified_folders[key][1])
    images = _verify_scanned(root, name, entry, found)
    _verified_folders[key] = (fingerprint, images)
    return dict(images)


_verified_folders: dict[tuple, tuple] = {}  # (folder, listing sha256) -> (fingerprint of its files, images)


def _verify_scanned(root: Path, name: str, entry: dict, found: dict) -> dict[str, Path]:
    listing = entry["listing"]
    meta = entry["files"][listing]
    fix = FETCH_HINT.format(name=name)
    listing_path = root / listing
    if listing_path.is_file():
        verify(listing_path, name, listing, meta["sha256"], meta.get("size"))
        wanted = _read_listing(listing_path)
        if meta.get("shape") and [len(wanted)] != list(meta["shape"]):
            raise DataShapeError(f"{listing_path} lists {len(wanted):,} images, the registry {meta['shape'][0]:,}.")
        missing = [p for p in wanted if p not in found]
        if missing:
            raise MissingDataError(
                f"data set {name!r} ({entry.get('title', name)}) at {root}: {len(missing):,} of its "
                f"{len(wanted):,} images are missing: {_some(missing)}.\n"
                f"Fix: copy them back from a complete copy, or delete {root} and run {fix}.")
        differ = [p for p, digest in wanted.items() if _digest(root, p, found[p]) != digest]
        if differ:
            raise ChecksumError(
                f"data set {name!r} at {root}: {len(differ):,} images differ from the sha256 in {listing_path}: "
                f"{_some(differ)}. They are damaged or a different release and were refused.\n"
                f"Fix: delete {root} and run {fix}.")
        return {p: root / p for p in wanted}
    counts = _folder_counts(root, entry, found)
    short = {f: c for f, c in counts.items() if c < entry["folders"][f]["count"]}
    if short:
        raise MissingDataError(
            f"data set {name!r} ({entry.get('title', name)}) at {root} is incomplete: "
            + "; ".join(f"{f}/ holds {c:,} of {entry['folders'][f]['count']:,} images" for f, c in short.items())
            + f".\nThere is no {listing} beside them to say which are missing. Fix: delete {root} and run {fix}.")
    per_folder = ", ".join(f"{f}/ {c:,} (registered {entry['folders'][f]['count']:,})" for f, c in counts.items())
    built = format_listing({p: _digest(root, p, stat) for p, stat in found.items()})
    actual = hashlib.sha256(built.encode("utf-8")).hexdigest()
    if actual != meta["sha256"]:
        raise ChecksumError(
            f"data set {name!r} at {root}: the listing of its images (sha256sum format, as in {listing}) has the "
            f"wrong sha256 and the images were refused.\n"
            f"  expected: {meta['sha256']}\n  actual:   {actual}\n"
            f"  images per folder: {per_folder}\n"
            f"Without a {listing} file beside the images, which of them differ cannot be told. "
            f"Fix: delete {root} and run {fix}.")
    return {p: root / p for p in sorted(found)}


def _read_listing(path: Path) -> dict[str, str]:
    stat = path.stat()
    return dict(_parsed_listing(str(path), stat.st_size, stat.st_mtime_ns))


@lru_cache(maxsize=32)
def _parsed_listing(path: str, size: int, mtime_ns: int) -> tuple:
    return tuple(parse_listing(Path(path).read_text(encoding="utf-8"), path).items())


def _holds_any_part(root: Path, entry: dict) -> bool:
    return (root / entry["listing"]).is_file() or any((root / folder).is_dir() for folder in entry["folders"])


def locate_folder(name: str, download: bool | None = None, registry: dict | None = None) -> Path:
    """The folder of image data set ``name``, every image verified (see :func:`verify_folder`).

    The first place in :func:`search_dirs` that holds any part of the data set is verified and
    used (a damaged copy is refused, not skipped); otherwise the archive is downloaded into the
    cache unless ``download`` is False or ``DLCOURSE_OFFLINE=1``. Raises MissingDataError,
    ChecksumError or CorruptFileError.
    """
    return _find_folder(name, download, registry)[0]


def _find_folder(name: str, download: bool | None = None, registry: dict | None = None) -> tuple[Path, dict]:
    """locate_folder's work: (the verified folder, its images as relative path -> path)."""
    entry = _entry(name, registry)
    if "folders" not in entry:
        raise KeyError(f"data set {name!r} is not an image folder; name one of its files: {', '.join(entry['files'])}")
    looked = []
    for folder in search_dirs():
        root = folder / name
        looked.append(root)
        if _holds_any_part(root, entry):
            return root, verify_folder(root, name, entry)
    errors = []
    if _download_allowed(download):
        try:
            fetch(name, registry=registry)
            return CACHE_DIR / name, verify_folder(CACHE_DIR / name, name, entry)
        except (OSError, zipfile.BadZipFile, DataError) as exc:
            errors.append(str(exc).splitlines()[0])
    folders = ", ".join(f"{f}/ ({meta['count']:,} images)" for f, meta in entry["folders"].items())
    raise _missing(name, entry, f"its folders {folders} and {entry['listing']}", f"{name}/", looked, errors)


def _archive_members(names: list[str], prefix: str, folder: str, keep_every: int) -> list[str]:
    """The archive's files directly in ``prefix + folder``, C-locale order, every ``keep_every``-th from the first."""
    inside = prefix + folder + "/"
    members = sorted(n for n in names if n.startswith(inside) and n[len(inside):] not in ("", ".", "..")
                     and "/" not in n[len(inside):] and not n[len(inside):].startswith("."))
    return members[::keep_every]


def fetch_folders(name: str, entry: dict, progress=print) -> Path:
    """Download an image folder data set's archive, extract its registered folders into the cache,
    and write the listing there once its sha256 matches. Returns the listing's path."""
    dest = CACHE_DIR / name
    if _folder_counts_match(dest, entry) and (dest / entry["listing"]).is_file():
        verify_folder(dest, name, entry)
        return dest / entry["listing"]
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as tmp:
        archive, staging = Path(tmp) / "archive.zip", Path(tmp) / dest.name
        progress(f"{name}: downloading {entry['archive']}")
        _download(entry["archive"], archive)
        digests = {}
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            for folder, meta in entry["folders"].items():
                members = _archive_members(names, entry.get("archive_prefix", ""), folder, meta.get("keep_every", 1))
                if len(members) != meta["count"]:
                    raise ChecksumError(f"{name}: the archive {entry['archive']} gives {len(members):,} files for "
                                        f"{folder}/, the registry {meta['count']:,}; it is a different release.")
                (staging / folder).mkdir(parents=True)
                for member in members:
                    target = staging / folder / member.rsplit("/", 1)[1]
                    target.write_bytes(zf.read(member))
                    digests[f"{folder}/{target.name}"] = sha256sum(target)
        listing = format_listing(digests)
        actual = hashlib.sha256(listing.encode("utf-8")).hexdigest()
        if actual != entry["files"][entry["listing"]]["sha256"]:
            # the staging folder goes with the temporary directory: no bad image reaches the cache
            raise ChecksumError(f"{name}: the images extracted from {entry['archive']} do not match the registry "
                                f"(listing sha256 {actual}, expected {entry['files'][entry['listing']]['sha256']}) "
                                f"and were discarded.")
        (staging / entry["listing"]).write_text(listing, encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)  # an incomplete or damaged earlier copy in our own cache
        staging.replace(dest)
    return dest / entry["listing"]


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


def cats_vs_dogs_files(split: str = "train", limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """Paths of the verified cats-vs-dogs JPEGs of one split, and their labels.

    split: "train" (1,000 cats, 1,000 dogs) or "validation" (500 + 500). Returns (paths, labels):
    a list of str, cats first, each class in C-locale file-name order, and an int32 array of the
    same length, 0 = cat, 1 = dog (names in ``CATS_VS_DOGS_CLASSES``). ``limit``: at most this
    many images of each class, the first ones in that order. The photos vary in size (59x41 up
    to 1050x768 pixels), so they are returned as files, not as one array.
    """
    if split not in ("train", "validation"):
        raise ValueError(f"split must be 'train' or 'validation', got {split!r}")
    _, images = _find_folder("cats_vs_dogs")
    paths, labels = [], []
    for label, folder in enumerate(("cats", "dogs")):
        mine = sorted(p for p in images if p.startswith(f"{split}/{folder}/"))[:limit]
        paths += [str(images[p]) for p in mine]
        labels += [label] * len(mine)
    return paths, np.array(labels, dtype=np.int32)


def load_cats_vs_dogs(image_size: int = 160, batch_size: int = 32, limit: int | None = None, seed: int = 0):
    """Cats vs dogs as two ``tf.data.Dataset``s, ``(train, validation)``, ready for ``fit``.

    Each yields batches ``(images, labels)``: images float32 (batch, image_size, image_size, 3),
    RGB pixels in [0, 255] (every photo resized to a square, aspect ratio not kept, as Keras'
    ``image_dataset_from_directory`` does); labels float32 (batch,), 0.0 = cat, 1.0 = dog. The
    photos are decoded and resized once and kept in memory as uint8 (2,000 + 1,000 images of
    160x160 take 230 MB); the training set is reshuffled every epoch (from ``seed``), the
    validation set keeps its order (cats first). ``limit``: at most this many images per class
    and split (see :func:`cats_vs_dogs_files`). Scaling the pixels is the model's job.
    """
    import tensorflow as tf

    def decode(path, label):
        image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
        image = tf.image.resize(image, (image_size, image_size), antialias=True)
        return tf.cast(tf.round(tf.clip_by_value(image, 0.0, 255.0)), tf.uint8), label

    def split_dataset(split, shuffle):
        paths, labels = cats_vs_dogs_files(split, limit)
        dataset = tf.data.Dataset.from_tensor_slices((paths, labels.astype(np.float32)))
        dataset = dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE).cache()
        if shuffle:
            dataset = dataset.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
        dataset = dataset.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32), y))
        return dataset.prefetch(tf.data.AUTOTUNE)

    return split_dataset("train", shuffle=True), split_dataset("validation", shuffle=False)



def load_summer2winter(split: str = "train", image_size: int = 64, limit: int | None = None):
    """CycleGAN's Yosemite photos as two uint8 arrays, ``(summer, winter)``: (n, image_size, image_size, 3).

    split: "train" (the mirror keeps every 4th training photo: 308 summer, 241 winter) or "test"
    (309 and 238). Each 256x256 JPEG is resized with antialiasing (Pillow's LANCZOS); files are read
    in C-locale name order, and ``limit`` keeps at most that many of each domain. The two domains
    are unpaired: the i-th summer and winter photos show different scenes.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    from PIL import Image

    _, images = _find_folder("cyclegan/summer2winter_yosemite")

    def domain(folder):
        names = sorted(p for p in images if p.startswith(f"{folder}/"))[:limit]
        out = np.empty((len(names), image_size, image_size, 3), dtype=np.uint8)
        for i, name in enumerate(names):
            with Image.open(images[name]) as photo:
                out[i] = np.asarray(photo.convert("RGB").resize((image_size, image_size), Image.LANCZOS))
        return out

    return domain(f"{split}A"), domain(f"{split}B")

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
        width = max(16, *(len(name) for name in registry))
        for name, state, where in status(registry):
            print(f"  {name:{width}s} {state:10s} {where}")
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
