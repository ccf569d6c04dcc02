"""A tiny hand-made delivery that follows the input contract, written as CSV, XLSX or SAV for the tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rcs_pipeline.contract import dataset_spec

LA_CODE = "S12000005"
WAVE = "2015-16"
SECONDARY_SCHOOL, PRIMARY_SCHOOL, OTHER_COUNCIL_SCHOOL = "0054321", "0012345", "0099999"


def _survey(dataset: str, rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Fill every item of a survey with a valid code (row-dependent) unless the row sets it."""
    spec = dataset_spec(dataset)
    table: dict[str, list[str]] = {c: [] for c in spec.column_names}
    for i, row in enumerate(rows):
        for col in spec.columns:
            if col.name in row:
                table[col.name].append(row[col.name])
            elif col.kind == "item":
                table[col.name].append(str(1 + (i + len(col.name)) % int(col.max)))
            else:
                table[col.name].append("")
    return table


def delivery_tables() -> dict[str, dict[str, list[str]]]:
    """Every dataset of a valid delivery as columns of text, exactly as a contractor would type them."""
    secondary = _survey(
        "secondary_survey",
        [
            {
                "response_id": f"S{i:03d}",
                "pupil_ref": f"AB{i:08d}",
                "birth_month": "2002-0" + str(1 + i % 9),
                "seed_code": SECONDARY_SCHOOL,
                "stage": ("S1", "S2", "S3", "S4")[i % 4],
                "sex": "MF"[i % 2],
                "completed_on": f"2016-02-{10 + i:02d}",
            }
            for i in range(8)
        ],
    )
    secondary["sdq_01"][3] = "-9"
    secondary["sdq_02"][4] = "-8"
    secondary["sex"][5] = ""
    secondary["pupil_ref"][6] = ""
    primary = _survey(
        "primary_survey",
        [
            {
                "response_id": f"P{i:03d}",
                "pupil_ref": f"CD{i:08d}",
                "birth_month": "2006-1" + str(i % 3),
                "seed_code": PRIMARY_SCHOOL,
                "stage": ("P5", "P6", "P7")[i % 3],
                "sex": "FMX"[i % 3],
                "completed_on": f"2016-03-{10 + i:02d}",
            }
            for i in range(6)
        ],
    )
    parent = _survey(
        "parent_survey",
        [
            {
                "response_id": f"R{i:03d}",
                "pupil_ref": f"EF{i:08d}" if i < 2 else "",
                "birth_month": "2012-05",
                "child_sex": "MF"[i % 2],
                "child_age": str(3 + i),
                "seed_code": PRIMARY_SCHOOL if i < 2 else "",
            }
            for i in range(4)
        ],
    )
    refs = (
        [f"AB{i:08d}" for i in range(8) if i != 6]
        + [f"CD{i:08d}" for i in range(6)]
        + ["EF00000000", "EF00000001"]
    )
    n = len(refs)
    admin: dict[str, list[str]] = {
        "pupil_ref": refs,
        "date_of_birth": [f"200{2 + i % 5}-0{1 + i % 9}-1{i % 9}" for i in range(n)],
        "postcode": ["fk10 1ab", "FK101AB", "FK8  2XY", "EH12 9QQ"] * (n // 4) + ["G1 1AA"] * (n % 4),
        "seed_code": [SECONDARY_SCHOOL] * 7 + [PRIMARY_SCHOOL] * 8,
        "stage": ["S1", "S2", "S3", "S4", "S1", "S2", "S4", "P5", "P6", "P7", "P5", "P6", "P7", "P3", "P3"],
        "sex": ["M", "F", "M", "F", "M", "", "F", "F", "M", "X", "F", "M", "X", "M", "F"],
        "not_in_receipt_of_services": [
            "Y",
            "N",
            "n",
            "No",
            "yes",
            "N",
            "0",
            "1",
            "N",
            "N",
            "N",
            "FALSE",
            "N",
            "N",
            "",
        ],
        "asn_types": ["", "dys; SEBD", "EAL", "", "", "ASD;LD", "", "", "MHP", "", "", "", "", "", ""],
        "simd_decile": [str(1 + i % 10) for i in range(n)],
        "urban_rural_8fold": [str(1 + i % 8) for i in range(n)],
    }
    for flag in (
        "looked_after_home",
        "looked_after_foster",
        "looked_after_kinship",
        "looked_after_residential",
        "child_protection_register",
        "complex_support_plan",
        "individualised_education_plan",
        "free_school_meals",
        "throughcare_aftercare",
        "looking_for_prospective_adopters",
    ):
        admin[flag] = ["N"] * n
    admin["looked_after_home"][1] = "Y"
    admin["child_protection_register"][2] = "TRUE"
    admin["free_school_meals"][0] = "Y"
    admin = {c: admin[c] for c in dataset_spec("admin_extract").column_names}
    schools = {
        "seed_code": [SECONDARY_SCHOOL, PRIMARY_SCHOOL, "0012346"],
        "school_name": ["Lornshill Academy", "Abercromby Primary", "Alva Primary"],
        "la_code": [LA_CODE] * 3,
        "sector": ["Secondary", "Primary", "primary"],
        "asg_code": ["ASG01"] * 3,
        "asg_name": ["Lornshill cluster"] * 3,
    }
    roll_rows = [(SECONDARY_SCHOOL, s, x, "40") for s in ("S1", "S2", "S3", "S4", "S5", "S6") for x in "MF"]
    roll_rows += [
        (PRIMARY_SCHOOL, s, x, "20") for s in ("P1", "P2", "P3", "P4", "P5", "P6", "P7") for x in "MFX"
    ]
    roll = {k: [r[i] for r in roll_rows] for i, k in enumerate(("seed_code", "stage", "sex", "pupils"))}
    services = {
        "service_id": ["SV01", "SV02"],
        "service_name": ["Family support team", "School counselling"],
        "provider": ["Council", "Cedar Counselling Ltd"],
        "provider_type": ["LA social work", "Private"],
        "level": ["Early intervention", "Targeted"],
        "domain": ["family", "mental_wellbeing"],
        "target_group": ["Families with children 0-8", "Secondary pupils"],
        "evidence_rating": ["Promising", "Unevaluated"],
        "programme": ["", ""],
        "annual_spend_gbp": ["250000", "42000.5"],
        "participants": ["120", "0"],
        "outcomes_in_contract": ["Y", "N"],
        "funding_department": ["Children's Social Work", "Education"],
    }
    costs = {
        "programme": ["Triple P", "Incredible Years"],
        "domain": ["family", "family"],
        "level": ["Universal", "Early intervention"],
        "cost_per_participant_gbp": ["30", "1500"],
        "source": ["synthetic", "synthetic"],
    }
    return {
        "secondary_survey": secondary,
        "primary_survey": primary,
        "parent_survey": parent,
        "admin_extract": admin,
        "schools": schools,
        "school_roll": roll,
        "services_register": services,
        "evidence_costs": costs,
    }


def write_table(folder: Path, dataset: str, table: dict[str, list[str]], fmt: str = "csv") -> Path:
    """Write one dataset's text columns as CSV, XLSX or SAV (blank cells empty; numbers as numbers in SAV)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dataset}.{fmt}"
    frame = pl.DataFrame(table, schema={c: pl.String for c in table})
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "xlsx":
        frame.write_excel(path, autofit=False)
    elif fmt == "sav":
        import pyreadstat

        numeric = [
            c
            for c in frame.columns
            if c.startswith(("sdq", "wemwbs", "swemwbs"))
            or dataset_spec(dataset).column(c).kind in ("item", "integer")
        ]
        frame = frame.with_columns(pl.col(numeric).replace("", None).cast(pl.Float64))
        pyreadstat.write_sav(frame.to_pandas(), str(path))
    return path


def write_delivery(folder: Path, fmt: str = "csv") -> Path:
    """A complete valid delivery in `folder`; the surveys in `fmt`, the rest CSV (XLSX when fmt is xlsx)."""
    for dataset, table in delivery_tables().items():
        survey = dataset.endswith("_survey")
        write_table(folder, dataset, table, fmt if survey or fmt == "xlsx" else "csv")
    return folder
