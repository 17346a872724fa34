"""Datasets carried by a share link: inside the URL, or named by their SHA-256.

A link's ``upload`` value is one of two forms, both plain ASCII that is only
ever decoded into numbers:

* ``z.<payload>``: the samples themselves. The payload is the float64 values
  of x then y (little-endian, 16 bytes per sample), compressed by zlib (level
  9) and written in base64url without padding. Lossless: the decoded arrays
  equal the encoded ones bit for bit. At most :data:`MAX_INLINE_CHARS`
  characters and :data:`MAX_INLINE_SAMPLES` samples, so a link stays near
  4 kB, well under the 8 kB many servers and proxies accept. How many samples
  fit depends on how well they compress: the question's 1000 integer samples
  take 3,484 characters; any 180 samples fit (16 bytes each, zlib adds a
  few, base64 writes 4 characters per 3 bytes); 200 random reals with 0/1
  labels take about 2,300, with random real labels too many.
* ``h.<hex>``: the SHA-256 (:func:`digest`) of larger samples, which a
  server keeps in its store of uploads (``lab.store``).

Decoded samples obey the rules of a CSV upload (:mod:`landscape.csvdata`:
at most ``MAX_ROWS`` rows; :class:`~landscape.data.Dataset`: finite, ``|x| <=
MAX_ABS_X``). Every refusal is a ``ValueError`` naming the key ``upload`` and
the allowed form or range.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib

import numpy as np

from .csvdata import MAX_ROWS
from .data import Dataset

#: The URL key that carries uploaded data.
KEY = "upload"
#: Prefix of samples written inside the link.
INLINE = "z."
#: Prefix of a stored dataset's SHA-256.
STORED = "h."
#: Longest payload after ``z.``, in characters (the link then stays near 4 kB).
MAX_INLINE_CHARS = 4000
#: Most samples written inside a link; it bounds the decompressed size
#: (16 bytes per sample, 160 kB) whatever the payload.
MAX_INLINE_SAMPLES = 10_000
#: Characters of a SHA-256 in hex.
DIGEST_CHARS = 64
#: The form of a valid value, checked before anything is decoded.
PATTERN = (
    rf"{re.escape(INLINE)}[A-Za-z0-9_-]{{1,{MAX_INLINE_CHARS}}}"
    rf"|{re.escape(STORED)}[0-9a-f]{{{DIGEST_CHARS}}}"
)
#: :data:`PATTERN` in words, for notices.
RULE = (
    f"'{INLINE}' and 1 to {MAX_INLINE_CHARS:,} base64url characters (samples in the link), "
    f"or '{STORED}' and {DIGEST_CHARS} lowercase hex digits (a stored dataset's SHA-256)"
)

_SAMPLE_BYTES = 16
_FLOAT = np.dtype("<f8")


def digest(x: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 (hex) of the float64 samples: equal data, equal key, whoever uploaded them.

    The hash of the bytes of ``x`` (float64, native order), ``b"|"``, then
    those of ``y``. Cost O(N).
    """
    h = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float64).tobytes())
    h.update(b"|")
    h.update(np.ascontiguousarray(y, dtype=np.float64).tobytes())
    return h.hexdigest()


def samples(x: np.ndarray, y: np.ndarray) -> Dataset:
    """``x, y`` as an anonymous Dataset (named ``"upload"``) if a CSV upload could hold them.

    Raises
    ------
    ValueError
        More than ``csvdata.MAX_ROWS`` samples, or anything
        :class:`~landscape.data.Dataset` refuses (non-finite values, ``|x| >
        MAX_ABS_X``, unequal lengths), the message starting with the key.
    """
    if np.size(x) > MAX_ROWS:
        raise ValueError(f"{KEY}: at most {MAX_ROWS:,} samples are allowed, got {np.size(x):,}")
    try:
        return Dataset(x, y, name="upload")
    except ValueError as exc:
        raise ValueError(f"{KEY}: {exc}") from None


def inline_value(data: Dataset) -> str | None:
    """The ``z.`` value that carries ``data`` inside a link, or None if it exceeds the limits.

    Cost O(N) (zlib at level 9 over 16 N bytes); datasets over
    :data:`MAX_INLINE_SAMPLES` are refused before any work.
    """
    if data.n > MAX_INLINE_SAMPLES:
        return None
    raw = np.concatenate([data.x, data.y]).astype(_FLOAT).tobytes()
    text = base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode("ascii")
    return INLINE + text if len(text) <= MAX_INLINE_CHARS else None


def stored_value(data: Dataset) -> str:
    """The ``h.`` value that names ``data`` in a store: its :func:`digest`."""
    return STORED + digest(data.x, data.y)


def check_value(text: str) -> str:
    """``text`` if it has the form of an ``upload`` value (:data:`RULE`), else ValueError."""
    if not isinstance(text, str) or re.fullmatch(PATTERN, text) is None:
        shown = repr(text) if len(repr(text)) <= 40 else repr(text)[:37] + "..."
        raise ValueError(f"{KEY} must be {RULE}, got {shown}")
    return text


def stored_digest(text: str) -> str | None:
    """The SHA-256 named by an ``h.`` value; None for a ``z.`` value. ValueError if neither."""
    check_value(text)
    return text[len(STORED) :] if text.startswith(STORED) else None


def decode_inline(text: str) -> Dataset:
    """The samples a ``z.`` value carries, validated as a CSV upload's.

    Cost O(len(text) + N); the decompressed size is bounded by
    :data:`MAX_INLINE_SAMPLES` before it is reached, whatever the payload.

    Raises
    ------
    ValueError
        Naming the key ``upload`` and what is wrong: not of the form
        :data:`RULE`, a ``h.`` value, broken base64 or zlib data, a byte
        count that is not 16 per sample, too many samples, or samples a
        Dataset refuses.
    """
    if stored_digest(text) is not None:
        raise ValueError(f"{KEY}: a stored dataset's hash holds no samples; a store looks it up")
    payload = text[len(INLINE) :]
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(
            f"{KEY}: the samples are not valid base64url ({len(payload)} characters)"
        ) from None
    limit = _SAMPLE_BYTES * MAX_INLINE_SAMPLES
    inflate = zlib.decompressobj()
    try:
        raw = inflate.decompress(blob, limit + 1)
    except zlib.error:
        raise ValueError(f"{KEY}: the samples are not valid zlib data") from None
    if len(raw) > limit or inflate.unconsumed_tail:
        raise ValueError(f"{KEY}: at most {MAX_INLINE_SAMPLES:,} samples fit in a link")
    if not inflate.eof or inflate.unused_data:
        raise ValueError(f"{KEY}: the samples are cut short or followed by other bytes")
    if not raw or len(raw) % _SAMPLE_BYTES:
        raise ValueError(
            f"{KEY}: expected 16 bytes per sample (x and y as float64), got {len(raw)} bytes"
        )
    values = np.frombuffer(raw, dtype=_FLOAT).astype(np.float64)
    n = values.size // 2
    return samples(values[:n], values[n:])
