"""Synthetic identifiers: pupil references (and their typing errors), postcodes, birth months."""

from __future__ import annotations

import numpy as np
import polars as pl

REF_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
REF_LENGTH = 10
INWARD_LETTERS = np.frombuffer(b"ABDEFGHJLNPQRSTUWXYZ", dtype=np.uint8)  # letters used in inward codes


def _to_strings(chars: np.ndarray) -> pl.Series:
    """Rows of a uint8 matrix as a String series."""
    return pl.Series(np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()).cast(pl.String)


def _to_chars(refs: pl.Series) -> np.ndarray:
    """A String series of 10-character references as a uint8 matrix."""
    return (
        np.frombuffer("".join(refs.to_list()).encode("ascii"), dtype=np.uint8).reshape(-1, REF_LENGTH).copy()
    )


def pupil_refs(n: int, rng: np.random.Generator) -> pl.Series:
    """`n` distinct 10-character [A-Z0-9] references."""
    chars = REF_ALPHABET[rng.integers(0, REF_ALPHABET.size, (n, REF_LENGTH))]
    refs = _to_strings(chars)
    while refs.n_unique() < n:  # astronomically rare; redraw the repeats
        repeat = np.flatnonzero(refs.is_duplicated().to_numpy())
        chars[repeat] = REF_ALPHABET[rng.integers(0, REF_ALPHABET.size, (repeat.size, REF_LENGTH))]
        refs = _to_strings(chars)
    return refs


def mistype(refs: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Each reference with one or two characters changed, or two neighbours transposed (never unchanged)."""
    n = refs.len()
    if n == 0:
        return refs
    chars = _to_chars(refs)
    original = chars.copy()
    kind = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])  # one change, two changes, transposition
    rows = np.arange(n)
    pos = rng.integers(0, REF_LENGTH - 1, n)
    left, right = chars[rows, pos].copy(), chars[rows, pos + 1].copy()
    transpose = (kind == 2) & (left != right)
    chars[rows[transpose], pos[transpose]] = right[transpose]
    chars[rows[transpose], pos[transpose] + 1] = left[transpose]
    change_count = np.where(transpose, 0, np.where(kind == 1, 2, 1))
    ordered = np.sort(REF_ALPHABET)
    for step in range(2):
        target = change_count > step
        where = rng.integers(0, REF_LENGTH, n) if step == 0 else (pos + 5) % REF_LENGTH
        shift = rng.integers(1, ordered.size, n)  # a different character, never the same one
        current = np.searchsorted(ordered, chars[rows, where])
        replacement = ordered[(current + shift) % ordered.size]
        chars[rows[target], where[target]] = replacement[target]
    same = (chars == original).all(axis=1)  # a second change can undo the first: change the first character
    first = np.searchsorted(ordered, chars[same, 0])
    chars[same, 0] = ordered[(first + 1) % ordered.size]
    return _to_strings(chars)


def postcodes(districts: tuple[str, ...], index: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """Scottish-format postcodes in the given outward districts, with varied spacing and case."""
    n = index.size
    letters = INWARD_LETTERS[rng.integers(0, INWARD_LETTERS.size, (n, 2))]
    style = rng.choice(5, size=n, p=[0.84, 0.08, 0.03, 0.03, 0.02])
    frame = pl.DataFrame(
        {
            "district": pl.Series(districts, dtype=pl.String).gather(index),
            "sep": pl.Series([" ", "", " ", " ", "  "], dtype=pl.String).gather(style),
            "sector": pl.Series(rng.integers(1, 10, n)).cast(pl.String),
            "unit": _to_strings(letters),
            "style": style,
        }
    )
    code = pl.concat_str("district", "sep", "sector", "unit")
    return frame.select(
        pl.when(pl.col("style") == 2)
        .then(code.str.to_lowercase())
        .when(pl.col("style") == 3)
        .then(code.str.slice(0, 1) + code.str.slice(1).str.to_lowercase())
        .otherwise(code)
        .alias("postcode")
    ).to_series()


def format_birth_month(dob: np.ndarray, off_by_one: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """`YYYY-MM` of each birth date, one month out (either way) where `off_by_one`."""
    months = dob.astype("datetime64[M]")
    step = np.where(rng.random(dob.size) < 0.5, -1, 1) * off_by_one
    shifted = (months + step.astype("timedelta64[M]")).astype("datetime64[D]")
    return pl.Series("birth_month", shifted).dt.strftime("%Y-%m")
