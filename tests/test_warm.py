"""lab.warm: the frozen start-up heap and the presets computed into the shared caches."""

from __future__ import annotations

import gc

import pytest

from lab.cache import cached, get_minima, get_run
from lab.state import PRESETS, preset_base
from lab.warm import GEN0_THRESHOLD, freeze_heap, warm_presets


@pytest.fixture
def restored_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_freeze_heap_freezes_what_exists_and_raises_gen0(restored_gc):
    survivor = [object()]
    freeze_heap()
    assert gc.get_freeze_count() > 0
    # Frozen objects sit in the permanent generation: no collection walks them.
    assert not any(o is survivor for o in gc.get_objects())
    assert gc.get_threshold()[0] == GEN0_THRESHOLD


def test_warm_presets_fills_every_presets_first_page():
    warm_presets()
    for name in PRESETS:
        s = preset_base(name)
        assert cached(get_run, s.recipe(), s.run()) is not None, name
        assert cached(get_minima, s.recipe(), s.lo, s.hi) is not None, name
