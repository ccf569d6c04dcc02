"""Synthetic identifiers: pupil references (and their typing errors), postcodes, birth months."""

from __future__ import annotations

import numpy as np

REF_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
REF_LENGTH = 10
INWARD_LETTERS = np.frombuffer(b"ABDEFGHJLNPQRSTUWXYZ", dtype=np.uint8)  # letters used in inward codes


def _to_strings(chars: np.ndarray) -> np.ndarray:
    """Rows of a uint8 matrix as Python strings."""
    return chars.copy().view(f"S{chars.shape[1]}").ravel().astype(str)


def pupil_refs(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` distinct 10-character [A-Z0-9] references."""
    chars = REF_ALPHABET[rng.integers(0, REF_ALPHABET.size, (n, REF_LENGTH))]
    refs = _to_strings(chars)
    while np.unique(refs).size < n:  # astronomically rare; redraw the repeats
        _, first = np.unique(refs, return_index=True)
        repeat = np.setdiff1d(np.arange(n), first)
        chars[repeat] = REF_ALPHABET[rng.integers(0, REF_ALPHABET.size, (repeat.size, REF_LENGTH))]
        refs = _to_strings(chars)
    return refs


def mistype(refs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each reference with one or two characters changed, or two neighbours transposed (never unchanged)."""
    n = refs.size
    if n == 0:
        return refs
    chars = np.frombuffer("".join(refs).encode("ascii"), dtype=np.uint8).reshape(n, REF_LENGTH).copy()
    kind = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])  # one change, two changes, transposition
    rows = np.arange(n)
    pos = rng.integers(0, REF_LENGTH - 1, n)
    left, right = chars[rows, pos].copy(), chars[rows, pos + 1].copy()
    transpose = (kind == 2) & (left != right)
    chars[rows[transpose], pos[transpose]] = right[transpose]
    chars[rows[transpose], pos[transpose] + 1] = left[transpose]
    change_count = np.where(transpose, 0, np.where(kind == 1, 2, 1))
    for step in range(2):
        target = change_count > step
        where = rng.integers(0, REF_LENGTH, n) if step == 0 else (pos + 5) % REF_LENGTH
        shift = rng.integers(1, REF_ALPHABET.size, n)  # a different character, never the same one
        current = np.searchsorted(np.sort(REF_ALPHABET), chars[rows, where])
        replacement = np.sort(REF_ALPHABET)[(current + shift) % REF_ALPHABET.size]
        chars[rows[target], where[target]] = replacement[target]
    out = _to_strings(chars)
    same = out == refs  # a second change can undo the first: change the first character instead
    if same.any():
        ordered = np.sort(REF_ALPHABET)
        first = np.searchsorted(ordered, chars[same, 0])
        chars[same, 0] = ordered[(first + 1) % ordered.size]
        out = _to_strings(chars)
    return out


def postcodes(districts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scottish-format postcodes in the given outward districts, with varied spacing and case."""
    n = districts.size
    sector = rng.integers(1, 10, n).astype(str)
    letters = INWARD_LETTERS[rng.integers(0, INWARD_LETTERS.size, (n, 2))]
    unit = _to_strings(letters)
    inward = np.char.add(sector, unit)
    style = rng.choice(5, size=n, p=[0.84, 0.08, 0.03, 0.03, 0.02])
    sep = np.array([" ", "", " ", " ", "  "])[style]
    code = np.char.add(np.char.add(districts.astype(str), sep), inward)
    code = np.where(style == 2, np.char.lower(code), code)
    return np.where(style == 3, np.char.capitalize(code), code)


def format_birth_month(dob: np.ndarray, off_by_one: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`YYYY-MM` of each birth date, one month out (either way) where `off_by_one`."""
    months = dob.astype("datetime64[M]")
    step = np.where(rng.random(dob.size) < 0.5, -1, 1) * off_by_one
    return (months + step.astype("timedelta64[M]")).astype(str)
