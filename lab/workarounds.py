"""Work-arounds for Streamlit behaviour that the app must not inherit.

Each names the Streamlit version it was seen in and the upstream report; drop
it when the pinned version (requirements.txt) no longer needs it.
"""

from __future__ import annotations

#: Streamlit 1.67's default top padding takes a fifth of a laptop screen and its
#: title three lines of a phone's; no theme option sets either.
PAGE_CSS = (
    "<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}"
    "@media (max-width:640px){h1{font-size:1.9rem!important}}</style>"
)
