"""Validate a whole delivery folder: every file's own rules, then the rules that span files."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rcs_pipeline.contract.columns import SEED_CODE
from rcs_pipeline.contract.errors import DeliveryError, Problem, problem
from rcs_pipeline.contract.files import SOURCE_ROW
from rcs_pipeline.contract.readers import ParsedDataset, missing_dataset_problem, parse_dataset
from rcs_pipeline.contract.spec import delivery_rules, load_contract
from rcs_pipeline.deliveries import READY_MARKER
from rcs_pipeline.paths import is_la_code

ROWS_FETCHED = 20
KEYS = ["seed_code", "stage", "sex"]


def parse_delivery(folder: Path) -> tuple[dict[str, ParsedDataset], list[Problem]]:
    """Read every dataset of a delivery once, and return them with every problem (file and cross-file)."""
    rules = delivery_rules()
    if not folder.is_dir():
        return {}, [problem(folder.name, None, (), f"delivery folder {folder.name} does not exist")]
    if folder.is_symlink() or folder.parent.is_symlink():
        return {}, [
            problem(
                folder.name,
                None,
                (),
                "the delivery folder (or its wave folder) is a symbolic link: links are not followed, "
                "deliver the files into the folder itself",
            )
        ]
    parsed = {name: parse_dataset(folder, name) for name in rules.datasets}
    problems = [p for d in parsed.values() for p in d.problems]
    problems.extend(_missing_datasets(parsed))
    problems.extend(_stray_files(folder))
    la_code = folder.name if is_la_code(folder.name) else None
    frames = {n: d.frame for n, d in parsed.items() if _usable(d)}
    problems.extend(_seed_code_problems(frames, parsed, la_code))
    problems.extend(_roll_problems(frames, parsed))
    problems.extend(_service_flag_problems(frames, parsed))
    return parsed, problems


def validate_delivery(folder: Path) -> list[Problem]:
    """Every problem of the delivery in `folder` (errors and warnings), one per rule broken; [] when clean.

    Example: validate_delivery(home / "landing" / "2015-16" / "S12000005") ->
    [Problem("error", "admin_extract.csv", "pupil_ref", (14,), 1, "pupil_ref is not 10 characters [A-Z0-9]")]
    """
    return parse_delivery(folder)[1]


def read_delivery(folder: Path) -> dict[str, ParsedDataset]:
    """Every dataset of a valid delivery; raises DeliveryError with every problem when any is an error."""
    parsed, problems = parse_delivery(folder)
    if any(p.is_error for p in problems):
        raise DeliveryError(problems)
    return parsed


def _usable(parsed: ParsedDataset) -> bool:
    """A dataset the cross-file rules can use: read, with a header holding every contract column."""
    return parsed.frame is not None and not any(
        p.is_error and (p.column is None or p.message.startswith("required column"))
        for p in parsed.problems
        if not p.rows
    )


def _missing_datasets(parsed: dict[str, ParsedDataset]) -> list[Problem]:
    """Required datasets without a file, and no survey at all."""
    specs = load_contract()
    found = [
        missing_dataset_problem(n) for n, d in parsed.items() if not d.delivered and not specs[n].optional
    ]
    surveys = delivery_rules().surveys
    if not any(parsed[s].delivered for s in surveys):
        found.append(
            problem(
                "(delivery)",
                None,
                (),
                f"no survey was delivered: expected at least one of {', '.join(surveys)}",
            )
        )
    return found


def _stray_files(folder: Path) -> list[Problem]:
    """Files that belong to no dataset of the contract (a warning: they are ignored); the `_READY` marker is expected."""
    names = set(delivery_rules().datasets)
    return [
        problem(p.name, None, (), "is not a dataset of the input contract; ignored", severity="warning")
        for p in sorted(folder.iterdir())
        if p.is_file()
        and not p.name.startswith(".")
        and p.name != READY_MARKER
        and p.stem.strip().lower() not in names
    ]


def _rows(frame: pl.DataFrame, mask: pl.Expr) -> tuple[list[int], int]:
    """First spreadsheet rows where `mask` holds, and how many in all."""
    rows = frame.filter(mask).get_column(SOURCE_ROW)
    return rows.head(ROWS_FETCHED).to_list(), rows.len()


def _counted(file: str, column: str | None, rows: tuple[list[int], int], message: str, rule: str) -> Problem:
    """A cross-file problem with its first rows, its true total and the rule it breaks."""
    found = problem(file, column, rows[0], message)
    return Problem(found.severity, found.file, found.column, found.rows, rows[1], found.message, rule)


def _seed_code_problems(
    frames: dict[str, pl.DataFrame], parsed: dict[str, ParsedDataset], la_code: str | None
) -> list[Problem]:
    """Seed codes missing from `schools`, and schools (or their use) belonging to another council."""
    schools = frames.get("schools")
    if schools is None:
        return []
    found: list[Problem] = []
    file = parsed["schools"].file or "schools"
    if la_code:
        other = _rows(schools, pl.col("la_code").is_not_null() & (pl.col("la_code") != la_code))
        if other[1]:
            found.append(
                _counted(
                    file,
                    "la_code",
                    other,
                    f"school belongs to another council (this delivery is for {la_code})",
                    "seed_codes",
                )
            )
    known = schools.get_column("seed_code").drop_nulls()
    own = schools.filter(pl.col("la_code") == la_code).get_column("seed_code") if la_code else known
    for name in delivery_rules().seed_code_datasets:
        frame = frames.get(name)
        if frame is None or frame.is_empty():
            continue
        code = pl.col("seed_code")
        absent = _rows(frame, code.is_not_null() & ~code.is_in(known.implode()))
        if absent[1]:
            found.append(
                _counted(
                    parsed[name].file or name,
                    "seed_code",
                    absent,
                    f"seed_code is not in {file}",
                    "seed_codes",
                )
            )
        foreign = _rows(frame, code.is_in(known.implode()) & ~code.is_in(own.implode()))
        if foreign[1]:
            found.append(
                _counted(
                    parsed[name].file or name,
                    "seed_code",
                    foreign,
                    f"seed_code belongs to a school of another council in {file} (this delivery is "
                    f"for {la_code})",
                    "seed_codes",
                )
            )
    return found


def _roll_problems(frames: dict[str, pl.DataFrame], parsed: dict[str, ParsedDataset]) -> list[Problem]:
    """Respondents that outnumber the pupils on the roll, per school x stage x sex and per school x stage.

    The census records most pupils as M or F while a pupil may answer X (another way / prefer not to say),
    so a sex the roll does not list for that school and stage is compared only within the stage total.
    """
    roll = frames.get("school_roll")
    if roll is None:
        return []
    by_sex = roll.group_by(KEYS).agg(pl.col("pupils").sum())
    by_stage = roll.group_by(KEYS[:2]).agg(pl.col("pupils").sum())
    found: list[Problem] = []
    for name in delivery_rules().pupil_surveys:
        survey = frames.get(name)
        if survey is None or survey.is_empty():
            continue
        # Only well-formed SEED codes are compared (and named in the message); others have their own problem.
        well_formed = pl.col("seed_code").str.contains(SEED_CODE)
        on_roll = survey.filter(
            well_formed & pl.col("seed_code").is_in(by_stage.get_column("seed_code").implode())
        )
        over = pl.concat(
            [
                _over_roll(on_roll, by_sex, KEYS, how="inner"),
                _over_roll(on_roll, by_stage, KEYS[:2], how="left")
                .with_columns(sex=pl.lit("all"))
                .select(*KEYS, "respondents", "pupils"),
            ],
            how="vertical_relaxed",
        ).sort(KEYS)
        if over.is_empty():
            continue
        groups = "; ".join(
            f"{r['seed_code']} {r['stage']} {r['sex']}: respondents {r['respondents']} > roll {r['pupils']}"
            for r in over.head(3).iter_rows(named=True)
        )
        more = f" and {over.height - 3} more groups" if over.height > 3 else ""
        bad = on_roll.join(over.filter(pl.col("sex") != "all").select(KEYS), on=KEYS, how="semi")
        bad_stage = on_roll.join(
            over.filter(pl.col("sex") == "all").select(KEYS[:2]), on=KEYS[:2], how="semi"
        )
        rows = _rows(pl.concat([bad, bad_stage]).unique(SOURCE_ROW).sort(SOURCE_ROW), pl.lit(True))
        message = f"more respondents than pupils on the roll (school_roll) for school x stage x sex ({groups}{more})"
        found.append(_counted(parsed[name].file or name, None, rows, message, "roll"))
    return found


def _over_roll(survey: pl.DataFrame, roll: pl.DataFrame, keys: list[str], how: str) -> pl.DataFrame:
    """Groups of `keys` whose respondents exceed the roll (a group missing from the roll counts as 0 for 'left')."""
    counts = survey.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys)).group_by(keys)
    return (
        counts.agg(pl.len().alias("respondents"))
        .join(roll, on=keys, how=how)
        .with_columns(pl.col("pupils").fill_null(0))
        .filter(pl.col("respondents") > pl.col("pupils"))
        .select(*keys, pl.col("respondents").cast(pl.Int64), pl.col("pupils").cast(pl.Int64))
    )


def _service_flag_problems(
    frames: dict[str, pl.DataFrame], parsed: dict[str, ParsedDataset]
) -> list[Problem]:
    """Children marked not_in_receipt_of_services = Y who also hold a service flag."""
    admin = frames.get("admin_extract")
    if admin is None or admin.is_empty():
        return []
    flags = [f for f in delivery_rules().service_flags if f in admin.columns]
    clash = _rows(
        admin,
        pl.col("not_in_receipt_of_services").fill_null(False)
        & pl.any_horizontal(pl.col(f).fill_null(False) for f in flags),
    )
    if not clash[1]:
        return []
    return [
        _counted(
            parsed["admin_extract"].file or "admin_extract",
            "not_in_receipt_of_services",
            clash,
            f"not_in_receipt_of_services is Y but a service flag is also Y ({', '.join(flags)})",
            "service_flags",
        )
    ]
