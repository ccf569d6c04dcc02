"""The generator's waves: the same children a few years on, planted changes recorded in the truth."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.synthetic import generate
from rcs_pipeline.synthetic.waves import changes_path, programme_waves, wave_plan

EARLY, LATER = "2015-16", "2017-18"


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One council alone in 2015-16, and the same council in 2015-16 and 2017-18 (plus the unstable-ref one)."""
    single = tmp_path_factory.mktemp("single")
    generate(single, "tiny", 2015, councils=["S12000005"])
    both = tmp_path_factory.mktemp("both")
    generate(both, "tiny", 2015, councils=["S12000005", "S12000029"], waves=[EARLY, LATER])
    return {"single": single, "both": both}


def _csv(home: Path, wave: str, la_code: str, name: str) -> pl.DataFrame:
    return pl.read_csv(home / "landing" / wave / la_code / f"{name}.csv", infer_schema_length=0)


def test_first_wave_is_the_single_wave_byte_for_byte(homes: dict[str, Path]) -> None:
    """Adding a later wave does not change the first wave's files."""
    for name in ("secondary_survey", "primary_survey", "parent_survey", "admin_extract", "school_roll"):
        one = homes["single"] / "landing" / EARLY / "S12000005" / f"{name}.csv"
        two = homes["both"] / "landing" / EARLY / "S12000005" / f"{name}.csv"
        assert one.read_bytes() == two.read_bytes(), name


def test_same_children_move_up_two_stages_with_the_same_reference(homes: dict[str, Path]) -> None:
    """Admin records joined on pupil_ref: S1 → S3, P5 → P7, P6 → S1; schools stay the council's."""
    early, later = (_csv(homes["both"], w, "S12000005", "admin_extract") for w in (EARLY, LATER))
    joined = early.join(later, on="pupil_ref", suffix="_later")
    assert joined.height > 100
    moves = dict(joined.group_by("stage").agg(pl.col("stage_later").mode().first()).iter_rows())
    assert moves["S1"] == "S3" and moves["P5"] == "P7" and moves["P6"] == "S1"
    assert joined["date_of_birth"].equals(joined["date_of_birth_later"])


def test_planted_changes_are_recorded_and_only_where_allowed(homes: dict[str, Path]) -> None:
    """Services are gained only by children without one; high need gains far more often; refs change only at
    the move to secondary school, and only in the council planted with unstable references."""
    stable = pl.read_parquet(changes_path(homes["both"], LATER, "S12000005"))
    assert stable.filter(pl.col("gained_service") & ~pl.col("had_no_service")).height == 0
    rates = stable.filter("had_no_service").group_by("planted_high_need").agg(pl.col("gained_service").mean())
    rate = dict(rates.iter_rows())
    assert rate[True] > 0.2 > 0.1 > rate[False]
    assert stable["pupil_ref_changed"].sum() == 0
    unstable = pl.read_parquet(changes_path(homes["both"], LATER, "S12000029"))
    assert (
        unstable["pupil_ref_changed"].equals(unstable["moved_to_secondary"])
        and unstable["pupil_ref_changed"].any()
    )


def test_wave_plans() -> None:
    """Scale defaults (tiny one wave, demo a small follow-up), explicit waves, the RCS tranches."""
    assert wave_plan("tiny", ["S12000005", "S12000040"], None, False) == {EARLY: ["S12000005", "S12000040"]}
    demo = wave_plan("demo", ["S12000005", "S12000029", "S12000040"], None, False)
    assert demo == {EARLY: ["S12000005", "S12000029", "S12000040"], LATER: ["S12000005"]}
    assert wave_plan("tiny", ["S12000005"], [LATER, EARLY], True) == {
        EARLY: ["S12000005"],
        LATER: ["S12000005"],
    }
    assert programme_waves("S12000014") == ["2016-17", "2018-19", "2020-21"]  # Falkirk: second tranche
    assert programme_waves("S12000020") == ["2018-19", "2020-21"]  # Moray: third tranche
    rcs = wave_plan("tiny", ["S12000005"], "rcs", False)
    assert rcs["2016-17"] == ["S12000014", "S12000050"] and "S12000005" in rcs["2019-20"]
    with pytest.raises(ValueError, match="YYYY-YY"):
        wave_plan("tiny", ["S12000005"], ["2015/16"], True)


def test_rcs_synth_writes_the_waves_asked_for(tmp_path: Path) -> None:
    """`rcs synth --waves 2015-16,2017-18` writes both waves; a malformed wave is refused by argparse."""
    from assets.cli import main

    assert (
        main(
            [
                "synth",
                "--scale",
                "tiny",
                "--home",
                str(tmp_path),
                "--councils",
                "1",
                "--waves",
                f"{EARLY},{LATER}",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "landing").iterdir()) == [EARLY, LATER]
    with pytest.raises(SystemExit):
        main(["synth", "--scale", "tiny", "--home", str(tmp_path / "x"), "--waves", "2015-2016"])
