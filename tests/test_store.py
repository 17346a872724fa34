"""The store of uploaded datasets shared by sessions: bounded, anonymous, safe under threads."""

import threading

import numpy as np
import pytest

from lab.store import Upload, UploadStore, digest
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
