"""A hand-made council: five admin records and secondary responses whose right answers are worked out by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl

# Admin records A1..A5. Two schools, so school carries evidence.
ADMIN = pl.DataFrame(
    {
        "source_row": pl.Series([2, 3, 4, 5, 6], dtype=pl.Int32),
        "pupil_ref": ["AAAAAAAAA1", "AAAAAAAAA2", "AAAAAAAAA3", "AAAAAAAAA4", "AAAAAAAAA5"],
        "date_of_birth": [
            dt.date(2003, 1, 5),
            dt.date(2003, 2, 5),
            dt.date(2003, 3, 5),
            dt.date(2002, 7, 1),
            dt.date(2002, 11, 9),
        ],
        "postcode": ["EH1 1AA"] * 5,
        "seed_code": ["5500001", "5500001", "5500001", "5500002", "5500002"],
        "stage": ["S1", "S1", "S1", "S2", "S2"],
        "sex": ["M", "F", "M", "F", "M"],
        "looked_after_home": [True, False, False, None, False],
        "asn_types": [None, "DYS", None, None, "EAL"],
        "simd_decile": pl.Series([1, 2, 3, 9, 10], dtype=pl.Int8),
        "urban_rural_8fold": pl.Series([1, 1, 2, 6, 6], dtype=pl.Int8),
    }
)

# r1: exact (A1). r2: no reference, A3's details -> probabilistic. r3: lower-case A2 -> exact after
# normalising. r4: malformed reference with A4's details -> probabilistic. r5: A1 again, fewer items answered
# -> duplicate. r6: a well-formed reference not in the extract, details matching nobody left -> not linked.
SURVEY = pl.DataFrame(
    {
        "source_row": pl.Series([2, 3, 4, 5, 6, 7], dtype=pl.Int32),
        "response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "pupil_ref": ["AAAAAAAAA1", None, " aaaaaaaaa2", "XX", "AAAAAAAAA1", "ZZZZZZZZZ9"],
        "birth_month": ["2003-01", "2003-03", "2003-02", "2002-07", "2003-01", "2001-05"],
        "seed_code": ["5500001", "5500001", "5500001", "5500002", "5500001", "5500009"],
        "stage": ["S1", "S1", "S1", "S2", "S1", "S4"],
        "sex": ["M", "M", "F", "F", "M", "F"],
        "completed_on": [dt.date(2016, 1, 5)] * 6,
        "sdq_01": pl.Series([1, 2, 2, 1, None, 3], dtype=pl.Int16),
        "life_satisfaction": pl.Series([8, 6, 11, 5, 9, 3], dtype=pl.Int16),
    }
)
