"""Work-arounds for Streamlit behaviour that the app must not inherit.

Each names the Streamlit version it was seen in and the upstream report; drop
it when the pinned version (requirements.txt) no longer needs it.
"""

from __future__ import annotations

import math

from .state import SPECS


def misread_int_input(key: str, text: str) -> bool:
    """True for URL text that a bound integer ``st.number_input`` reads differently from us.

    Streamlit 1.67 reads an integer input's URL value as ``float(text)`` and
    truncates it with ``int()``: "2.5" becomes 2 silently, and "inf" (or
    "1e309") raises OverflowError where only ValueError is caught, which
    crashes the page. Upstream fixed the float side only (streamlit/streamlit
    pull request 15799, "Reject non-finite float values from URL params"); no
    report covers the integer side. Such a key is left unbound on the first
    run, so that its widget takes the default that the notice announces, and
    bound again from the next run on, when the widget's own value wins.
    """
    p = SPECS.get(key)
    if p is None or p.kind != "int":
        return False
    try:
        number = float(text)
    except ValueError:
        return False  # Streamlit refuses it too
    if math.isinf(number):
        return True
    if math.isnan(number) or not p.lo <= int(number) <= p.hi:
        return False  # Streamlit falls back to the default too
    try:
        p.parse(text)
    except ValueError:
        return True  # Streamlit would truncate what the spec refuses
    return False


#: Streamlit 1.67's default top padding takes a fifth of a laptop screen and its
#: title three lines of a phone's; no theme option sets either.
PAGE_CSS = (
    "<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}"
    "@media (max-width:640px){h1{font-size:1.9rem!important}}</style>"
)
