"""The linkage key: strict validation with errors that never show it; keyed, stable, wave-scoped link ids."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest

from rcs_pipeline.linkage.keys import (
    LinkageKeyError,
    decode_linkage_key,
    link_id,
    link_ids,
    linkage_secret,
    normalise_pupil_ref,
)

KEY_HEX = hashlib.sha256(b"a fixed test key").hexdigest()  # 32 random-looking bytes, the same every run


def test_a_64_hex_digit_key_decodes_to_32_bytes() -> None:
    assert decode_linkage_key(KEY_HEX) == bytes.fromhex(KEY_HEX)
    assert len(decode_linkage_key(hashlib.sha512(b"longer").hexdigest()[:96])) == 48


@pytest.mark.parametrize(
    ("value", "what"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("abcdef" * 10, "too short"),
        ("zz" * 40, "not hexadecimal"),
        ("a" * 65, "odd number"),
        ("00" * 32, "not random"),
        ("0123456789abcdef" * 4, "not random"),
        (bytes(range(32)).hex(), "not random"),
        (bytes(range(0, 256, 8)).hex(), "not random"),
    ],
)
def test_bad_keys_raise_a_typed_error_that_explains_and_never_shows_the_key(
    value: str | None, what: str
) -> None:
    with pytest.raises(LinkageKeyError) as caught:
        decode_linkage_key(value)
    message = str(caught.value)
    assert what in message
    assert "secrets.token_hex(32)" in message
    if value and value.strip():
        assert value not in message
        assert value[:8] not in message


def test_link_id_is_hmac_sha256_of_the_normalised_reference() -> None:
    key = bytes.fromhex(KEY_HEX)
    expected = hmac.new(key, b"AB12CD34EF", hashlib.sha256).hexdigest()
    assert link_id(" ab12 cd34ef ", key) == expected
    assert normalise_pupil_ref("  ") is None


def test_changing_the_key_changes_every_link_id() -> None:
    refs = pl.Series([f"REF{i:07d}" for i in range(200)])
    first = link_ids(refs, bytes.fromhex(KEY_HEX))
    second = link_ids(refs, bytes.fromhex("f" + KEY_HEX[1:]))
    assert (first != second).all()
    assert first.n_unique() == 200


def test_same_key_gives_same_id_across_waves_and_per_wave_keys_do_not() -> None:
    master = bytes.fromhex(KEY_HEX)
    longitudinal = [
        link_id("AB12CD34EF", linkage_secret(master, w, per_wave=False)) for w in ("2015-16", "2016-17")
    ]
    per_wave = [
        link_id("AB12CD34EF", linkage_secret(master, w, per_wave=True)) for w in ("2015-16", "2016-17")
    ]
    assert longitudinal[0] == longitudinal[1]
    assert per_wave[0] != per_wave[1]
    assert longitudinal[0] not in per_wave


def test_batch_link_ids_keep_nulls() -> None:
    out = link_ids(pl.Series([None, "AB12CD34EF"]), bytes.fromhex(KEY_HEX))
    assert out[0] is None and out[1] == link_id("AB12CD34EF", bytes.fromhex(KEY_HEX))


def test_random_keys_are_never_refused_as_weak() -> None:
    """Ten thousand keys from the operating system's generator all pass the weak-key check."""
    import secrets

    from rcs_pipeline.linkage.keys import looks_weak

    assert not any(looks_weak(secrets.token_bytes(32)) for _ in range(10_000))
