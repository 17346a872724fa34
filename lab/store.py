"""Uploaded datasets shared by the sessions of one server process, and kept on disk for links.

Sessions run in threads of one process, and a dataset uploaded by one session
is looked up again by every cached computation that names it. The store keys
datasets by a hash of their samples only, so it holds nothing personal: the
file's name stays in the uploading session (see :mod:`lab.upload`).

A share link carries small datasets inside the URL (:mod:`landscape.datalink`);
larger ones it names by their SHA-256, and :class:`DiskStore` keeps their
samples so that the link still works for a new browser, another session, or
after a server restart. It holds float64 arrays in ``.npy`` files read with
``allow_pickle=False``, checked (dtype, shape, finite values, row limit, the
hash) on every load. It is bounded: at most :data:`MAX_STORED` datasets and
:data:`MAX_STORE_BYTES` bytes; beyond either, the least recently used
(saved or opened) datasets are deleted first. Nothing expires by age. Its
directory is ``$LANDSCAPE_LAB_UPLOADS`` if set (empty or ``off`` disables the
store), else ``landscape-lab/uploads`` under the user's cache directory
(``$XDG_CACHE_HOME`` or ``~/.cache``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from landscape.csvdata import MAX_ROWS
from landscape.data import Dataset
from landscape.datalink import DIGEST_CHARS, digest, samples

__all__ = ["CAPACITY", "DiskStore", "Upload", "UploadStore", "digest", "store_dir"]

#: Uploaded datasets kept in memory per process, newest last; older ones are
#: re-inserted by their session (or read back from disk) when needed again.
CAPACITY = 8
#: The environment variable that names the store's directory ("" or "off": no store).
ENV_DIR = "LANDSCAPE_LAB_UPLOADS"
#: Most datasets kept on disk.
MAX_STORED = 500
#: Most bytes kept on disk: at least 16 datasets of the largest upload
#: (csvdata.MAX_ROWS samples, 16 MB as float64 x and y).
MAX_STORE_BYTES = 256 * 2**20
#: Largest file read back: the largest upload plus the .npy header.
_MAX_FILE_BYTES = 16 * MAX_ROWS + 4096
_HEX = re.compile(rf"[0-9a-f]{{{DIGEST_CHARS}}}")
_FLOAT = np.dtype("<f8")


@dataclass(frozen=True)
class Upload:
    """The cache key of an uploaded dataset: the SHA-256 of its samples."""

    digest: str


def store_dir(environ: dict[str, str] | None = None) -> Path | None:
    """The store's directory from ``$LANDSCAPE_LAB_UPLOADS``, or None when it is disabled."""
    env = os.environ if environ is None else environ
    if ENV_DIR in env:
        value = env[ENV_DIR].strip()
        return None if value.lower() in ("", "off") else Path(value).expanduser()
    cache = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "landscape-lab" / "uploads"


class DiskStore:
    """Samples as ``<sha256>.npy`` files in one directory, bounded, least recently used out first.

    Not locked itself: :class:`UploadStore` calls it under its lock. Several
    processes may share the directory (writes are atomic renames; a file
    another process evicts is simply missing).

    Parameters
    ----------
    root : Path
        The directory (created when first written).
    max_count, max_bytes : int
        Bounds on the files kept; both at least 1.
    """

    def __init__(
        self, root: Path, max_count: int = MAX_STORED, max_bytes: int = MAX_STORE_BYTES
    ) -> None:
        if max_count < 1 or max_bytes < 1:
            raise ValueError(
                f"max_count and max_bytes must be at least 1, got {max_count} and {max_bytes}"
            )
        self.root = Path(root)
        self.max_count = max_count
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        if not _HEX.fullmatch(key):
            raise ValueError(f"key must be {DIGEST_CHARS} lowercase hex digits, got {key[:70]!r}")
        return self.root / f"{key}.npy"

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def save(self, data: Dataset) -> str:
        """Write the samples of ``data`` (never its name) and return their digest.

        Raises
        ------
        OSError
            When the directory cannot be written.
        """
        key = digest(data.x, data.y)
        path = self._path(key)
        if path.is_file():
            os.utime(path)  # used again: last in line for eviction
        else:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
            try:
                with os.fdopen(fd, "wb") as f:
                    np.save(f, np.stack([data.x, data.y]).astype(_FLOAT), allow_pickle=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        self._evict(keep=path)
        return key

    def load(self, key: str) -> Dataset | None:
        """The samples stored under ``key``, checked; None if there are none.

        Raises
        ------
        ValueError
            When the file is not a (2, N) float64 array of valid samples whose
            digest is ``key`` (the file is then deleted).
        """
        path = self._path(key)
        try:
            size = path.stat().st_size
            if size > _MAX_FILE_BYTES:
                raise ValueError(f"the file holds {size:,} bytes, more than an upload can")
            arr = np.load(path, allow_pickle=False)
            if not isinstance(arr, np.ndarray) or arr.dtype != _FLOAT or arr.ndim != 2:
                raise ValueError("the file is not a 2-D float64 array")
            if arr.shape[0] != 2:
                raise ValueError(f"expected shape (2, N), got {arr.shape}")
            data = samples(arr[0], arr[1])
            if digest(data.x, data.y) != key:
                raise ValueError("the samples do not match their SHA-256")
            os.utime(path)
            return data
        except FileNotFoundError:
            return None
        except ValueError as exc:
            path.unlink(missing_ok=True)
            raise ValueError(f"stored dataset {key[:12]}: {exc}") from None

    def _evict(self, keep: Path) -> None:
        """Delete the least recently used files until both bounds hold (``keep`` stays)."""
        files = []
        for path in self.root.glob("*.npy"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            files.append((st.st_mtime_ns, st.st_size, path))
        files.sort(key=lambda f: (f[2] == keep, f[0]))
        count, total = len(files), sum(f[1] for f in files)
        for _, size, path in files:
            if (count <= self.max_count and total <= self.max_bytes) or path == keep:
                break
            path.unlink(missing_ok=True)
            count, total = count - 1, total - size


class UploadStore:
    """A bounded, thread-safe map from :class:`Upload` keys to anonymous datasets.

    Every read and write happens under one lock, and :meth:`get` looks up and
    re-inserts in one step, so a session's dataset can never be evicted between
    a check and a use (the race of a separate ``in`` test and lookup). With a
    :class:`DiskStore`, datasets put with ``persist=True`` are also written
    there, and :meth:`get` reads back what memory no longer holds. Disk work
    happens under the lock too: once per upload or opened link, at most
    0.07 s (write) and 0.03 s (read) of CPU for the largest upload, 10^6 samples.
    """

    def __init__(self, capacity: int = CAPACITY, disk: DiskStore | None = None) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._items: OrderedDict[str, Dataset] = OrderedDict()
        self._lock = threading.Lock()
        self.disk = disk

    def put(self, data: Dataset, persist: bool = False) -> Upload:
        """Keep the samples of ``data`` (without its name) and return their key.

        With ``persist`` they are also written to the disk store, if there is
        one and it can be written (:meth:`stored` says whether they are).
        """
        key = Upload(digest(data.x, data.y))
        anonymous = Dataset(data.x, data.y, name="upload")
        with self._lock:
            self._insert(key.digest, anonymous)
            if persist and self.disk is not None:
                # On failure the share box says the link cannot carry these data.
                with contextlib.suppress(OSError):
                    self.disk.save(anonymous)
        return key

    def get(self, key: Upload, fallback: Callable[[], Dataset | None]) -> Dataset:
        """The dataset of ``key``: from memory, else ``fallback()``, else the disk store.

        Whatever is found is re-inserted under the lock.

        Raises
        ------
        KeyError
            When the key is unknown, ``fallback`` has no dataset with that key
            and the disk store has none.
        ValueError
            When the disk store's file for the key is invalid (it is deleted).
        """
        with self._lock:
            found = self._items.get(key.digest)
            if found is None:
                data = fallback()
                if data is not None and digest(data.x, data.y) == key.digest:
                    found = Dataset(data.x, data.y, name="upload")
                elif self.disk is not None:
                    found = self.disk.load(key.digest)
                if found is None:
                    raise KeyError(f"no uploaded dataset with key {key.digest[:12]}")
            self._insert(key.digest, found)
            return found

    def stored(self, key: Upload) -> bool:
        """True when the disk store holds the samples of ``key`` (a ``h.`` link finds them)."""
        with self._lock:
            return self.disk is not None and key.digest in self.disk

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _insert(self, key: str, data: Dataset) -> None:
        self._items[key] = data
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
