"""Synthetic identifiers: references, their typing errors, postcodes and birth months."""

from __future__ import annotations

import numpy as np
import polars as pl

from rcs_pipeline.synthetic.identifiers import format_birth_month, mistype, postcodes, pupil_refs


def test_refs_are_distinct_ten_character_codes() -> None:
    refs = pupil_refs(5000, np.random.default_rng(1))
    assert refs.n_unique() == 5000
    assert refs.str.contains(r"^[A-Z0-9]{10}$").all()


def test_mistyped_refs_differ_in_one_or_two_places() -> None:
    refs = pupil_refs(2000, np.random.default_rng(2))
    wrong = mistype(refs, np.random.default_rng(3))
    assert wrong.str.contains(r"^[A-Z0-9]{10}$").all()
    differing = [sum(a != b for a, b in zip(x, y, strict=True)) for x, y in zip(refs, wrong, strict=True)]
    assert min(differing) >= 1 and max(differing) <= 2
    transposed = [x != y and sorted(x) == sorted(y) for x, y in zip(refs, wrong, strict=True)]
    assert any(transposed)


def test_mistype_changes_a_reference_of_repeated_characters() -> None:
    wrong = mistype(pl.Series(["AAAAAAAAAA"] * 50), np.random.default_rng(4))
    assert (wrong != "AAAAAAAAAA").all()


def test_postcodes_keep_district_and_vary_format() -> None:
    codes = postcodes(("FK10", "EH54"), np.array([0, 1] * 500), np.random.default_rng(5))
    normal = codes.str.to_uppercase().str.replace_all(" ", "")
    assert normal.str.contains(r"^(FK10|EH54)\d[A-Z]{2}$").all()
    assert codes.str.contains(r"^[A-Z]+\d+ \d[A-Z]{2}$").mean() > 0.7
    assert codes.str.contains(r"[a-z]").any() and (~codes.str.contains(" ")).any()


def test_birth_month_one_out_only_where_asked() -> None:
    dob = np.array(["2004-01-15", "2004-12-31", "2005-06-01"], dtype="datetime64[D]")
    months = format_birth_month(dob, np.array([False, False, True]), np.random.default_rng(6))
    assert months[:2].to_list() == ["2004-01", "2004-12"]
    assert months[2] in ("2005-05", "2005-07")
