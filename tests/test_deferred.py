"""Messages kept untranslated in results: translated when shown, in the thread's language."""

import pickle

import pytest

from landscape import deferred


def test_a_message_is_translated_when_shown_not_when_made(marked):
    message = deferred.gettext("{count} local minima in [{lo}, {hi}]", count=3, lo="1.4", hi="1.75")
    assert str(message) == "«3 local minima in [1.4, 1.75]»"
    assert message.singular == "{count} local minima in [{lo}, {hi}]"


def test_english_is_the_msgid_with_its_values():
    message = deferred.gettext("lr {lr}, {steps} steps", lr="1e-03", steps=300)
    assert str(message) == "lr 1e-03, 300 steps"


@pytest.mark.parametrize(("n", "text"), [(1, "1 sample"), (2, "2 samples"), (0, "0 samples")])
def test_the_count_chooses_the_form_when_shown(n, text):
    assert str(deferred.ngettext("{n} sample", "{n} samples", n, n=n)) == text


def test_a_message_pickles_and_hashes_for_the_caches():
    message = deferred.ngettext("{n} sample", "{n} samples", 2, n=2)
    again = pickle.loads(pickle.dumps(message))
    assert again == message and hash(again) == hash(message)
    assert str(again) == "2 samples"
