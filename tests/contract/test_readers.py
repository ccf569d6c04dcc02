"""Readers on tiny hand-written files: tolerated spellings normalised exactly as the contract says."""

from datetime import date
from pathlib import Path

import polars as pl

from rcs_pipeline.contract import read_dataset
from tests.contract.deliveries import LA_CODE, delivery_tables, write_delivery


def test_bom_and_header_case_and_spaces_are_tolerated(tmp_path: Path) -> None:
    folder = tmp_path / LA_CODE
    folder.mkdir()
    text = "\ufeff Seed_Code ,School_Name,LA_CODE,Sector,asg_code,ASG_Name\n0012345, Alva Primary ,S12000005,primary,,\n"
    (folder / "Schools.CSV").write_bytes(text.encode("utf-8"))
    frame = read_dataset(folder, "schools")
    assert frame.to_dicts() == [
        {
            "source_row": 2,
            "seed_code": "0012345",
            "school_name": "Alva Primary",
            "la_code": "S12000005",
            "sector": "Primary",
            "asg_code": None,
            "asg_name": None,
        }
    ]


def test_admin_values_are_normalised(tmp_path: Path) -> None:
    folder = write_delivery(tmp_path / LA_CODE)
    admin = read_dataset(folder, "admin_extract")
    first = admin.row(0, named=True)
    assert first["postcode"] == "FK10 1AB" and first["date_of_birth"] == date(2002, 1, 10)
    assert admin.get_column("postcode").to_list()[1:3] == ["FK10 1AB", "FK8 2XY"]
    raw = delivery_tables()["admin_extract"]["not_in_receipt_of_services"]
    assert raw[:8] == ["Y", "N", "n", "No", "yes", "N", "0", "1"]
    assert admin.get_column("not_in_receipt_of_services").to_list()[:8] == [
        True,
        False,
        False,
        False,
        True,
        False,
        False,
        True,
    ]
    assert admin.get_column("not_in_receipt_of_services").to_list()[14] is None
    assert admin.get_column("asn_types").to_list()[:3] == [None, "DYS;SEBD", "EAL"]
    assert admin.get_column("child_protection_register").to_list()[2] is True


def test_landing_types_follow_the_hand_over_contract(tmp_path: Path) -> None:
    folder = write_delivery(tmp_path / LA_CODE)
    secondary = read_dataset(folder, "secondary_survey")
    assert secondary.columns[:8] == [
        "source_row",
        "response_id",
        "pupil_ref",
        "birth_month",
        "seed_code",
        "stage",
        "sex",
        "completed_on",
    ]
    schema = secondary.schema
    assert (schema["source_row"], schema["completed_on"], schema["sdq_01"], schema["wemwbs_14"]) == (
        pl.Int32,
        pl.Date,
        pl.Int16,
        pl.Int16,
    )
    assert secondary.get_column("sdq_01").to_list()[3] is None  # -9 not answered
    assert secondary.get_column("sdq_02").to_list()[4] == -8  # don't know kept
    roll = read_dataset(folder, "school_roll")
    assert roll.schema["pupils"] == pl.Int32
    services = read_dataset(folder, "services_register")
    assert services.schema["annual_spend_gbp"] == pl.Float64
    assert services.get_column("annual_spend_gbp").to_list() == [250000.0, 42000.5]
    assert services.get_column("outcomes_in_contract").to_list() == [True, False]
    admin = read_dataset(folder, "admin_extract")
    assert (admin.schema["simd_decile"], admin.schema["urban_rural_8fold"]) == (pl.Int8, pl.Int8)
