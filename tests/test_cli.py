"""The `rcs` command as people and scripts use it: exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.cli import main
from assets.partitions import wave_council_partitions
from assets.runner import materialise
from tests.conftest import TINY_COUNCILS, TINY_WAVE


def _delivery(home: Path) -> Path:
    return home / "landing" / TINY_WAVE / TINY_COUNCILS[0]


def test_validate_accepts_a_good_delivery(tiny_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A delivery that follows the contract validates with exit 0."""
    assert main(["validate", str(_delivery(tiny_home))]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_rejects_missing_required_column(
    tiny_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dropping `sex` from the admin extract exits 2 with a line naming the file and the column."""
    path = _delivery(tiny_home) / "admin_extract.csv"
    pl.read_csv(path, infer_schema=False).drop("sex").write_csv(path)
    assert main(["validate", str(_delivery(tiny_home))]) == 2
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "admin_extract.csv" in line and "sex" in line)
    assert "missing" in line.lower()


def test_synth_writes_a_delivery_per_council(tmp_path: Path) -> None:
    """`rcs synth --scale tiny` writes one landing folder per tiny council with the required files."""
    assert main(["synth", "--scale", "tiny", "--home", str(tmp_path)]) == 0
    for la_code in TINY_COUNCILS:
        folder = tmp_path / "landing" / TINY_WAVE / la_code
        assert {"admin_extract.csv", "schools.csv", "school_roll.csv"} <= {p.name for p in folder.iterdir()}


def test_run_reports_a_refused_delivery_in_progress_and_summary(
    tiny_home: Path,
    linkage_key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`rcs run` on a delivery without `postcode` exits 1; progress and summary name the partition and the problem."""
    monkeypatch.chdir(tmp_path)  # no repository .env is read
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    la_code = TINY_COUNCILS[0]
    admin = _delivery(tiny_home) / "admin_extract.csv"
    pl.read_csv(admin, infer_schema=False).drop("postcode").write_csv(admin)
    assert main(["run", "--home", str(tiny_home), "--wave", TINY_WAVE, "--la", la_code]) == 1
    out = capsys.readouterr().out
    partition = f"{TINY_WAVE}|{la_code}"
    assert "materialising 1 partition(s)" in out
    run_line = next(line for line in out.splitlines() if line.startswith(f"FAILED {partition}:"))
    assert "0/" in run_line, "a refused delivery materialises nothing"
    assert f"failed {partition} landing: Delivery refused" in out
    assert "admin_extract.csv, column postcode" in out
    summary = out[out.index("summary") :]
    row = next(line for line in summary.splitlines() if line.startswith(partition))
    result, assets, _, checks_failed, pdfs, sheets = row.split()[1:]
    assert (result, assets, checks_failed, pdfs, sheets) == ("failed", "0", "0", "0", "0")
    assert "runs: 1 (1 failed)" in summary
    assert f"Dagster instance: {tmp_path / 'dagster_home'}" in summary
    assert not (tiny_home / "reports").exists()


def test_materialise_reports_each_asset_while_the_run_goes_on(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    """`on_asset` hears of an asset as soon as it is materialised, before the next asset of the same run starts."""
    heard: list[tuple[str, str]] = []

    @dg.asset(partitions_def=wave_council_partitions)
    def first() -> None:
        """A first asset."""

    @dg.asset(partitions_def=wave_council_partitions, deps=[first])
    def second() -> None:
        """Runs after `first`; by then the progress display must already know about `first`."""
        assert heard == [(f"{TINY_WAVE}|{TINY_COUNCILS[0]}", "first")]

    defs = dg.Definitions(assets=[first, second])
    outcomes = materialise(
        tmp_path,
        [(TINY_WAVE, TINY_COUNCILS[0])],
        defs=defs,
        instance=dagster_instance,
        on_asset=lambda *a: heard.append(a),
    )
    assert [o.success for o in outcomes] == [True]
    assert outcomes[0].materialised == ["first", "second"]
    assert heard == [
        (f"{TINY_WAVE}|{TINY_COUNCILS[0]}", "first"),
        (f"{TINY_WAVE}|{TINY_COUNCILS[0]}", "second"),
    ]


@pytest.mark.parametrize(
    ("councils", "expected"),
    [("1", ["S12000005"]), ("3", ["S12000005", "S12000006", "S12000040"]), ("S12000029", ["S12000029"])],
)
def test_synth_councils_sets_the_waves_councils(tmp_path: Path, councils: str, expected: list[str]) -> None:
    """`--councils` takes a count (the scale's councils first, then by code) or la_codes."""
    assert (
        main(["synth", "--scale", "tiny", "--home", str(tmp_path), "--seed", "3", "--councils", councils])
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "landing" / TINY_WAVE).iterdir()) == sorted(expected)


def test_synth_councils_keeps_each_councils_files(tmp_path: Path) -> None:
    """A council's files are the same whether it is generated alone or with others (its own random stream)."""
    alone, both = tmp_path / "alone", tmp_path / "both"
    assert main(["synth", "--scale", "tiny", "--home", str(alone), "--seed", "4", "--councils", "1"]) == 0
    assert main(["synth", "--scale", "tiny", "--home", str(both), "--seed", "4", "--councils", "2"]) == 0
    folder = Path("landing") / TINY_WAVE / TINY_COUNCILS[0]
    for path in sorted((alone / folder).iterdir()):
        assert path.read_bytes() == (both / folder / path.name).read_bytes(), path.name


def test_synth_refuses_an_unknown_council(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown code is a usage error naming the code; nothing is written."""
    with pytest.raises(SystemExit) as stopped:
        main(["synth", "--scale", "tiny", "--home", str(tmp_path), "--councils", "S12000005,S99999999"])
    assert stopped.value.code == 2
    assert "S99999999" in capsys.readouterr().err
    assert not (tmp_path / "landing").exists()


def test_a_rerun_removes_only_its_partitions_temporary_files(tmp_path: Path) -> None:
    """Temporary files a killed run left for a partition go; another partition's and finished files stay."""
    from assets.runner import remove_partial_files

    mine, other = TINY_COUNCILS
    files = {
        "analysis/estimates/2015-16/.S12000005.parquet.a1b2.tmp": True,
        f"reports/2015-16/{mine}/schools/.5000101.pdf.x9.tmp": True,
        f"analysis/estimates/2015-16/.{other}.parquet.c3d4.tmp": False,
        f"reports/2015-16/{other}/.council_report.pdf.x9.tmp": False,
        f"analysis/estimates/2015-16/{mine}.parquet": False,
        f"landing/2015-16/{mine}/.admin_extract.csv.tmp": False,
    }
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    removed = remove_partial_files(tmp_path, [(TINY_WAVE, mine)])
    assert sorted(str(p.relative_to(tmp_path)) for p in removed) == sorted(
        n for n, gone in files.items() if gone
    )
    assert {n for n in files if (tmp_path / n).exists()} == {n for n, gone in files.items() if not gone}


def test_a_failed_blocking_check_message_carries_what_the_check_found() -> None:
    """Dagster's message names only the check; the run's failure message adds the check's findings."""
    from assets.runner import _blocking_check_message

    dagster = "1 blocking asset check failed with ERROR severity:\nestimates: estimates_expectations"
    found = {"estimates_expectations": "expect_column_values_to_be_between on column n (12 row(s))"}
    assert _blocking_check_message(dagster, found) == (
        "estimates_expectations: expect_column_values_to_be_between on column n (12 row(s))"
    )
    assert _blocking_check_message(dagster, {}) == dagster
