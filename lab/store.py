"""Uploaded datasets shared by the sessions of one server process.

Sessions run in threads of one process, and a dataset uploaded by one session
is looked up again by every cached computation that names it. The store keys
datasets by a hash of their samples only, so it holds nothing personal: the
file's name stays in the uploading session (see :mod:`lab.upload`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from landscape.data import Dataset

#: Uploaded datasets kept per process, newest last; older ones are re-inserted
#: by their session when it needs them again.
CAPACITY = 8


@dataclass(frozen=True)
class Upload:
    """The cache key of an uploaded dataset: the SHA-256 of its samples."""

    digest: str


def digest(x: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of the float64 samples: equal data, equal key, whoever uploaded them."""
    h = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    h.update(b"|")
    h.update(np.ascontiguousarray(y, dtype=np.float64).tobytes())
    return h.hexdigest()


class UploadStore:
    """A bounded, thread-safe map from :class:`Upload` keys to anonymous datasets.

    Every read and write happens under one lock, and :meth:`get` looks up and
    re-inserts in one step, so a session's dataset can never be evicted between
    a check and a use (the race of a separate ``in`` test and lookup).
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._items: OrderedDict[str, Dataset] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, data: Dataset) -> Upload:
        """Keep the samples of ``data`` (without its name) and return their key."""
        key = Upload(digest(data.x, data.y))
        with self._lock:
            self._insert(key.digest, Dataset(data.x, data.y, name="upload"))
        return key

    def get(self, key: Upload, fallback: Callable[[], Dataset | None]) -> Dataset:
        """The dataset of ``key``; if it was evicted, ``fallback()`` re-inserted under the lock.

        Raises
        ------
        KeyError
            When the key is unknown and ``fallback`` has no dataset with that key.
        """
        with self._lock:
            found = self._items.get(key.digest)
            if found is None:
                data = fallback()
                if data is None or digest(data.x, data.y) != key.digest:
                    raise KeyError(f"no uploaded dataset with key {key.digest[:12]}")
                found = Dataset(data.x, data.y, name="upload")
            self._insert(key.digest, found)
            return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _insert(self, key: str, data: Dataset) -> None:
        self._items[key] = data
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
