"""Finding 2: no refusal message, log or metadata echoes a value that could be an identifier.

Identifier values are planted into every non-identifier column of every dataset (and into swapped and
missing header rows); every problem message, the Dagster failure, `rcs validate`'s output, the event log
(SQLite) and compute logs of a refused landing run, and the Great Expectations results are scanned.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.landing.assets import landing, refusal
from assets.partitions import partition_key
from assets.resources import RcsSettings
from rcs_pipeline.contract import dataset_spec
from rcs_pipeline.contract.columns import empty_frame
from rcs_pipeline.contract.validate import validate_delivery
from rcs_pipeline.paths import expectations_dir
from rcs_pipeline.quality import run_suites
from tests.contract.deliveries import LA_CODE, WAVE, delivery_tables
from tests.security.hostile import planted_hits, write_delivery

# Identifier-shaped values: a pupil reference (letters and digits, and digits only), a postcode, a date of birth.
PLANTED = ("ZQ93847561", "9384756102", "KY99 9ZZ", "2003-07-19")


def _forms(values: tuple[str, ...]) -> list[str]:
    """Each planted value as it could be echoed: as typed, upper and lower case, postcode without its space."""
    forms = {
        f for v in values for f in (v, v.upper(), v.lower(), v.replace(" ", ""), v.replace(" ", "").lower())
    }
    return sorted(forms)


def _echoed(text: str) -> list[str]:
    """The planted values found in `text`."""
    return [v for v in _forms(PLANTED) if v in text]


def _planted_everywhere() -> dict[str, dict[str, list[str]]]:
    """The hand-made delivery with the planted values in the first rows of every non-identifier column."""
    tables = delivery_tables()
    for dataset, table in tables.items():
        spec = dataset_spec(dataset)
        for column in table:
            if spec.column(column).identifier:
                continue
            for row, value in enumerate(PLANTED[: len(table[column])]):
                table[column][row] = value
    return tables


def _swapped_headers() -> dict[str, dict[str, list[str]]]:
    """Identifier columns delivered under other columns' names: postcode <-> sex, pupil_ref -> stage."""
    tables = delivery_tables()
    admin = tables["admin_extract"]
    admin["sex"], admin["postcode"] = admin["postcode"], admin["sex"]
    admin["stage"] = admin["pupil_ref"]
    admin["postcode"][0], admin["stage"][1], admin["sex"][2] = "KY99 9ZZ", "ZQ93847561", "2003-07-19"
    survey = tables["secondary_survey"]
    survey["stage"], survey["seed_code"] = survey["birth_month"], survey["pupil_ref"]
    survey["stage"][0] = "9384756102"
    return tables


def _headerless(folder: Path) -> None:
    """admin_extract.csv written without its header row: the first pupil's identifiers become 'names'."""
    path = folder / "admin_extract.csv"
    lines = path.read_text().splitlines()
    first = lines[1].split(",")
    first[0], first[1], first[2] = "ZQ93847561", "2003-07-19", "KY99 9ZZ"
    path.write_text("\n".join([",".join(first), *lines[2:]]) + "\n")


def _variants(tmp_path: Path) -> dict[str, Path]:
    """Three hostile deliveries, each in its own home."""
    folders = {
        "planted": write_delivery(tmp_path / "planted", _planted_everywhere()),
        "swapped": write_delivery(tmp_path / "swapped", _swapped_headers()),
        "headerless": write_delivery(tmp_path / "headerless"),
    }
    _headerless(folders["headerless"])
    return folders


def test_every_column_type_is_exercised() -> None:
    """The planted delivery reaches text, pattern, SEED code, code, code list, yes/no, item, integer, number
    and date columns (so the scan below covers every kind that is not an identifier)."""
    kinds = {
        (c.kind, bool(c.pattern))
        for d in delivery_tables()
        for c in dataset_spec(d).columns
        if not c.identifier
    }
    assert {k for k, _ in kinds} >= {
        "text",
        "seed_code",
        "code",
        "code_list",
        "yesno",
        "item",
        "integer",
        "number",
        "date",
    }
    assert ("text", True) in kinds


@pytest.mark.parametrize("variant", ["planted", "swapped", "headerless"])
def test_refusal_messages_never_echo_identifier_values(tmp_path: Path, variant: str, capsys) -> None:
    """Each hostile delivery is refused with problems naming file, column and rows, and echoes no planted value."""
    from assets.cli import main

    folder = _variants(tmp_path)[variant]
    problems = validate_delivery(folder)
    errors = [p for p in problems if p.is_error]
    assert errors, "the hostile delivery must be refused"
    assert all(p.file and (p.column or p.rows or p.rule or "header" in p.message) for p in errors)
    failure = refusal(problems)
    texts = [str(p) for p in problems] + [failure.description or "", json.dumps(str(failure.metadata))]
    assert main(["validate", str(folder)]) == 2
    out = capsys.readouterr()
    texts += [out.out, out.err]
    assert [v for t in texts for v in _echoed(t)] == []


def test_headerless_file_lists_problems_instead_of_crashing(tmp_path: Path) -> None:
    """Finding 8a: a file with no contract column (no header row) gives problems, and says the header is missing."""
    folder = write_delivery(tmp_path)
    _headerless(folder)
    problems = [p for p in validate_delivery(folder) if p.file == "admin_extract.csv"]
    assert any("header row missing" in p.message for p in problems)
    assert any(p.message.startswith("required column is missing") for p in problems)


@pytest.mark.xdist_group("security_dagster")
@pytest.mark.parametrize("variant", ["planted", "swapped", "headerless"])
def test_refused_landing_run_leaves_no_planted_value_in_event_log_or_files(
    tmp_path: Path, variant: str
) -> None:
    """A real landing run of each hostile delivery fails; nothing outside landing/ (Dagster's SQLite event
    log and compute logs included) holds a planted value."""
    home = _variants(tmp_path)[variant].parents[2]
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(Path(__file__).parents[2] / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        instance.add_dynamic_partitions("wave", [WAVE])
        result = dg.materialize(
            [landing],
            partition_key=partition_key(WAVE, LA_CODE),
            instance=instance,
            resources={"settings": RcsSettings(home=str(home))},
            raise_on_error=False,
        )
    assert not result.success
    assert any(e.event_type_value == "STEP_FAILURE" for e in result.all_events)
    assert any(p.suffix == ".db" for p in dagster_home.rglob("*")), "the event log must be scanned"
    logs = [p for p in dagster_home.rglob("compute_logs/*.err") if p.stat().st_size]
    assert logs, "the compute logs must be scanned"
    leaks = planted_hits([home, dagster_home], _forms(PLANTED), skip=[home / "landing" / WAVE])
    assert leaks == []


def test_expectation_results_keep_no_value_of_a_free_column(tmp_path: Path) -> None:
    """Great Expectations keeps unexpected values only of closed-code columns of a delivered table: a suite
    that fails on an amount holding a digits-only pupil reference reports a count, and its Data Docs hold
    no value."""
    suites = tmp_path / "suites"
    shutil.copytree(expectations_dir(), suites)
    suite_file = suites / "services_register.json"
    suite = json.loads(suite_file.read_text())
    for expectation in suite["expectations"]:
        if expectation["kwargs"].get("column") == "annual_spend_gbp":
            expectation["kwargs"]["max_value"] = 10**6
    suite_file.write_text(json.dumps(suite))
    frame = pl.concat(
        [
            empty_frame(dataset_spec("services_register")),
            pl.DataFrame({"source_row": [2], "service_id": ["SV01"], "annual_spend_gbp": [9384756102.0]}),
        ],
        how="diagonal_relaxed",
    )
    docs = tmp_path / "docs"
    outcome = run_suites({"services_register": frame}, suites_dir=suites, docs_dir=docs)["services_register"]
    failed = [o for o in outcome.failed if o.column == "annual_spend_gbp"]
    assert failed and failed[0].unexpected_count == 1
    assert failed[0].unexpected_values == ()
    assert planted_hits([docs], ["9384756102"]) == []
