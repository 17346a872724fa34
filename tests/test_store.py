"""The store of uploaded datasets shared by sessions: bounded, anonymous, safe under threads;
its disk store outlives the process, stays bounded and reads back only checked float64 arrays."""

import os
import pickle
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from lab.store import ENV_DIR, DiskStore, Upload, UploadStore, digest, store_dir
from landscape.data import Dataset


def sample(i: int) -> Dataset:
    x = np.arange(i, i + 5, dtype=float)
    return Dataset(x, x % 2, name=f"file {i}.csv")


def test_keys_are_the_samples_not_the_name():
    store = UploadStore(capacity=2)
    a = store.put(Dataset([1.0, 2.0], [1.0, 0.0], name="teacher.csv"))
    b = store.put(Dataset([1.0, 2.0], [1.0, 0.0], name="a).\nimport os  # crafted"))
    assert a == b == Upload(digest(np.array([1.0, 2.0]), np.array([1.0, 0.0])))
    # The shared copy holds no session's name.
    assert store.get(a, lambda: None).name == "upload"
    assert len(store) == 1


def test_eviction_is_bounded_and_a_session_puts_its_data_back():
    store = UploadStore(capacity=3)
    keys = [store.put(sample(i)) for i in range(5)]
    assert len(store) == 3
    with pytest.raises(KeyError):
        store.get(keys[0], lambda: None)
    with pytest.raises(KeyError):
        store.get(keys[0], lambda: sample(1))  # another dataset is no substitute
    back = store.get(keys[0], lambda: sample(0))
    assert np.array_equal(back.x, sample(0).x) and len(store) == 3


def test_capacity_is_checked():
    with pytest.raises(ValueError, match="capacity"):
        UploadStore(capacity=0)


def test_many_threads_uploading_and_evicting_never_fail():
    store = UploadStore(capacity=2)
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def session(i: int) -> None:
        mine = sample(i)
        try:
            start.wait()
            for _ in range(200):
                key = store.put(mine)
                store.put(sample(i + 100))  # others' uploads push ours out
                got = store.get(key, lambda mine=mine: mine)
                assert np.array_equal(got.x, mine.x)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert len(store) <= 2


# --- the disk store, behind share links ---------------------------------------------


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype == np.float64 and a.tobytes() == b.tobytes()


def test_store_outlives_its_instance_and_keeps_no_name(tmp_path):
    data = sample(3)
    key = DiskStore(tmp_path).save(data)
    assert key == digest(data.x, data.y)
    back = DiskStore(tmp_path).load(key)  # a new store on the same directory: a restart
    assert same_bits(back.x, data.x) and same_bits(back.y, data.y) and back.name == "upload"
    assert b"file" not in (tmp_path / f"{key}.npy").read_bytes()
    assert DiskStore(tmp_path).load("0" * 64) is None
    # The file is a plain .npy of float64: no pickle.
    head = (tmp_path / f"{key}.npy").read_bytes()[:128]
    assert head.startswith(b"\x93NUMPY") and b"'descr': '<f8'" in head
    assert b"'shape': (2, 5)" in head


def test_store_is_bounded_least_recently_used_first(tmp_path):
    store = DiskStore(tmp_path, max_count=3)
    keys = []
    for i in range(3):
        keys.append(store.save(sample(i)))
        os.utime(tmp_path / f"{keys[-1]}.npy", ns=(i * 10**9, i * 10**9))  # distinct ages
    store.load(keys[0])  # opened again: now the most recent
    keys.append(store.save(sample(9)))
    assert sorted(p.stem for p in tmp_path.glob("*.npy")) == sorted([keys[0], keys[2], keys[3]])
    one = (tmp_path / f"{keys[0]}.npy").stat().st_size
    small = DiskStore(tmp_path, max_bytes=2 * one)
    small.save(sample(20))
    assert len(list(tmp_path.glob("*.npy"))) == 2
    assert sum(p.stat().st_size for p in tmp_path.glob("*.npy")) <= 2 * one
    with pytest.raises(ValueError, match="max_count"):
        DiskStore(tmp_path, max_count=0)


def write(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=True)


def test_store_refuses_tampered_files_and_never_unpickles(tmp_path):
    data = sample(1)
    key = digest(data.x, data.y)
    cases = {
        "do not match their SHA-256": np.stack([data.x, data.y + 1]),
        "2-D float64": np.stack([data.x, data.y]).astype(np.float32),
        "shape (2, N)": np.stack([data.x, data.y, data.y]),
        "finite": np.stack([data.x, np.full(5, np.nan)]),
        "pickle": np.array([{"a": 1}, None], dtype=object),
    }
    for message, arr in cases.items():
        write(tmp_path / f"{key}.npy", arr)
        with pytest.raises(ValueError, match=re.escape(message)):
            DiskStore(tmp_path).load(key)
        assert not (tmp_path / f"{key}.npy").exists()  # a bad file is dropped
    # A bare pickle whose loading would run code.
    (tmp_path / f"{key}.npy").write_bytes(pickle.dumps(os.getcwd))
    with pytest.raises(ValueError, match="pickle"):
        DiskStore(tmp_path).load(key)
    with pytest.raises(ValueError, match="64 lowercase hex"):
        DiskStore(tmp_path).load("../" + "0" * 61)


def test_upload_store_reads_back_what_memory_dropped(tmp_path):
    first = UploadStore(capacity=1, disk=DiskStore(tmp_path))
    kept, passing = first.put(sample(1), persist=True), first.put(sample(2))
    assert first.stored(kept) and not first.stored(passing)
    restarted = UploadStore(capacity=1, disk=DiskStore(tmp_path))
    assert same_bits(restarted.get(kept, lambda: None).x, sample(1).x)
    with pytest.raises(KeyError):
        restarted.get(passing, lambda: None)
    # Without a disk store nothing is written, and nothing is read back.
    bare = UploadStore()
    assert not bare.stored(bare.put(sample(3), persist=True))


def test_store_directory_comes_from_the_environment(tmp_path):
    assert store_dir({ENV_DIR: str(tmp_path)}) == tmp_path
    assert store_dir({ENV_DIR: ""}) is None and store_dir({ENV_DIR: "off"}) is None
    assert store_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/landscape-lab/uploads")
    assert store_dir({}).parts[-3:] == (".cache", "landscape-lab", "uploads")
