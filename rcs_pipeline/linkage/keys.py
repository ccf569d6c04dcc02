"""The secret linkage key and the keyed pseudonym (link id) it gives each pupil reference.

Link ids are HMAC-SHA-256 of the normalised `pupil_ref` under a key of at least 32 random bytes, so nobody
without the key can recompute or reverse them (docs/architecture.md §4). By default the same child has the same link id
in every wave (longitudinal); with per-wave keys the id is keyed by a wave key derived from the master key,
so ids of different waves cannot be joined.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re

import polars as pl

MIN_KEY_BYTES = 32
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_WAVE_LABEL = b"rcs-pipeline wave key v1:"


class LinkageKeyError(ValueError):
    """The linkage key is missing or unusable; the message never contains the key or any part of it."""


def decode_linkage_key(value: str | None) -> bytes:
    """Validate RCS_LINKAGE_KEY (≥ 64 hex digits of random bytes) and return its bytes; a clear error otherwise.

    Example: decode_linkage_key(secrets.token_hex(32)) -> its 32 bytes; decode_linkage_key("abc") and
    decode_linkage_key("00" * 32) raise LinkageKeyError.
    """
    how = f"Set RCS_LINKAGE_KEY to at least {2 * MIN_KEY_BYTES} hex digits, e.g. the output of {MAKE_A_KEY}"
    if value is None or not str(value).strip():
        raise LinkageKeyError(f"The linkage key RCS_LINKAGE_KEY is missing or empty. {how}.")
    text = str(value).strip()
    if not _HEX.match(text):
        raise LinkageKeyError(
            f"The linkage key RCS_LINKAGE_KEY is not hexadecimal (only 0-9 and a-f allowed). {how}."
        )
    if len(text) % 2:
        raise LinkageKeyError(f"The linkage key RCS_LINKAGE_KEY has an odd number of hex digits. {how}.")
    if len(text) < 2 * MIN_KEY_BYTES:
        raise LinkageKeyError(
            f"The linkage key RCS_LINKAGE_KEY is too short ({len(text) // 2} bytes; at least {MIN_KEY_BYTES} "
            f"random bytes are needed). {how}."
        )
    key = bytes.fromhex(text)
    if looks_weak(key):
        raise LinkageKeyError(
            "The linkage key RCS_LINKAGE_KEY is not random: too few distinct bytes, or a repeating or counting "
            f"pattern (anyone could guess it and recompute every link id). {how}."
        )
    return key


def looks_weak(key: bytes) -> bool:
    """True for a key no random generator gives: few distinct bytes ('00' * 32), or an arithmetic progression.

    32 random bytes hold about 30 distinct values; fewer than half the key's length (at most 16) happens by
    chance with probability below 1e-15, so a real random key is never refused.
    """
    distinct = len(set(key))
    steps = {(b - a) % 256 for a, b in itertools.pairwise(key)}
    return distinct < min(16, len(key) // 2) or len(steps) == 1


def wave_key(master: bytes, wave: str) -> bytes:
    """A per-wave key derived from the master key, so link ids of different waves cannot be joined."""
    return hmac.new(master, _WAVE_LABEL + wave.encode("utf-8"), hashlib.sha256).digest()


def linkage_secret(master: bytes, wave: str, *, per_wave: bool) -> bytes:
    """The key link ids of `wave` are made with: the master key (longitudinal) or its wave key."""
    return wave_key(master, wave) if per_wave else master


def normalise_pupil_ref(value: str | None) -> str | None:
    """Upper-case a pupil reference and drop every space; blank becomes None."""
    if value is None:
        return None
    text = re.sub(r"\s+", "", str(value)).upper()
    return text or None


def link_id(pupil_ref: str, key: bytes) -> str:
    """The link id of one pupil reference: hex HMAC-SHA-256 of the normalised reference under `key`."""
    ref = normalise_pupil_ref(pupil_ref)
    if ref is None:
        raise ValueError("a link id needs a non-blank pupil reference")
    return hmac.new(key, ref.encode("utf-8"), hashlib.sha256).hexdigest()


def link_ids(pupil_refs: pl.Series, key: bytes) -> pl.Series:
    """Link ids of a column of pupil references (null stays null), for the key holder's batch work."""
    normalised = pupil_refs.cast(pl.String).str.replace_all(r"\s+", "").str.to_uppercase()
    digest = hmac.digest
    out = [
        None if ref is None or ref == "" else digest(key, ref.encode("utf-8"), "sha256").hex()
        for ref in normalised.to_list()
    ]
    return pl.Series("link_id", out, dtype=pl.String)
