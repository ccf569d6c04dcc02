"""The parent survey's optional sample-design columns (docs/methods/parents.md, input contract): absent is valid,
present values are typed and checked (file, column, rows; no value quoted), parent_scores keeps them and the
parent design uses them."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rcs_pipeline.contract.validate import parse_delivery
from rcs_pipeline.estimates.parent_design import design_rows
from rcs_pipeline.scoring.score_tables import score_parents
from rcs_pipeline.synthetic import generate
from tests.scoring.linked_fixture import landing_table, linked_like


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny delivery folder (seed 3)."""
    root = tmp_path_factory.mktemp("tiny")
    summary = generate(root, scale="tiny", seed=3)
    wave, la_code = summary.deliveries[0]
    return root / "landing" / wave / la_code


def with_design(folder: Path, stratum: list[str], weight: list[str], issued: list[str]) -> None:
    """Rewrite the folder's parent_survey.csv with the three optional columns (values cycled over rows)."""
    path = folder / "parent_survey.csv"
    frame = pl.read_csv(path, infer_schema=False)
    k = frame.height
    frame.with_columns(
        pl.Series("sample_stratum", [stratum[i % len(stratum)] for i in range(k)]),
        pl.Series("design_weight", [weight[i % len(weight)] for i in range(k)]),
        pl.Series("stratum_issued", [issued[i % len(issued)] for i in range(k)]),
    ).write_csv(path)


def errors(folder: Path) -> list:
    """The delivery's error problems."""
    _, problems = parse_delivery(folder)
    return [p for p in problems if p.is_error]


def test_absent_columns_are_valid_and_null(delivery: Path) -> None:
    """The generator writes no design columns: the delivery is valid and the landing columns are null."""
    parsed, _ = parse_delivery(delivery)
    assert not errors(delivery)
    frame = parsed["parent_survey"].frame
    assert frame["sample_stratum"].null_count() == frame.height
    assert frame["design_weight"].dtype == pl.Float64 and frame["stratum_issued"].dtype == pl.Int32


def test_present_columns_are_typed_kept_and_used(delivery: Path, tmp_path: Path) -> None:
    """Delivered strata and weights reach parent_scores and the design's strata and weights."""
    folder = tmp_path / delivery.name
    folder.mkdir()
    for f in delivery.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    with_design(folder, ["Q1", "URB", "7"], ["0.5", "1.25", "2"], ["40", "55", "60"])
    assert not errors(folder)
    parsed, _ = parse_delivery(folder)
    assert parsed["parent_survey"].frame["design_weight"].to_list()[:3] == [0.5, 1.25, 2.0]
    linked = linked_like(folder, "2015-16", delivery.name, ("parent_survey",))
    scores = score_parents(linked, landing_table(folder, "schools"))
    assert {"sample_stratum", "design_weight", "stratum_issued"} <= set(scores.columns)
    rows = design_rows(scores)
    assert set(rows["stratum"].unique()) == {f"{delivery.name}|{s}" for s in ("Q1", "URB", "7")}
    assert set(rows["weight"].unique()) == {0.5, 1.25, 2.0}


@pytest.mark.parametrize(
    ("column", "bad", "words"),
    [
        ("sample_stratum", "AB12CD34EF", "is not a stratum code"),  # the shape of a pupil reference
        ("sample_stratum", "EH11AB", "is not a stratum code"),  # a postcode without its space
        ("design_weight", "-1", "is negative"),
        ("stratum_issued", "0", "stratum_issued"),
    ],
)
def test_bad_values_are_refused_naming_file_column_rows(
    delivery: Path, tmp_path: Path, column: str, bad: str, words: str
) -> None:
    """A bad design value refuses the delivery with file, column and rows, never quoting a text value."""
    folder = tmp_path / delivery.name
    folder.mkdir()
    for f in delivery.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    good = {"sample_stratum": ["Q1"], "design_weight": ["1.0"], "stratum_issued": ["50"]}
    good[column] = ["Q1" if column == "sample_stratum" else good[column][0], bad]
    with_design(folder, good["sample_stratum"], good["design_weight"], good["stratum_issued"])
    found = [p for p in errors(folder) if p.column == column]
    assert len(found) == 1 and found[0].file == "parent_survey.csv" and found[0].rows[0] == 3
    assert words in str(found[0])
    if column == "sample_stratum":
        assert bad not in str(found[0])
