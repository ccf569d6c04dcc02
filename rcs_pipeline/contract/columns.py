"""Normalise and check one dataset's text cells against its contract columns, all rows at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from rcs_pipeline.contract.errors import Problem, problem
from rcs_pipeline.contract.files import SOURCE_ROW
from rcs_pipeline.contract.spec import ColumnSpec, DatasetSpec, code_lists, delivery_rules

PUPIL_REF = r"^[A-Z0-9]{10}$"
SEED_CODE = r"^\d{7}$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
VALUES_SHOWN = 3
# A value is quoted in a message only when it is a token of the contract's closed vocabulary (any code list,
# a yes/no spelling) or a whole number of at most three digits (an item or count out of range). Anything
# else (a pupil reference typed into `stage`, a postcode in `sex`, a date in a count) is never echoed.
SHORT_NUMBER = r"-?\d{1,3}"
# Kinds whose messages list the offending values (filtered by `quotable`): closed code sets and numbers.
CLOSED_KINDS = ("code", "code_list", "yesno", "item", "integer", "number")

DTYPES: dict[str, pl.DataType] = {"Int8": pl.Int8(), "Int16": pl.Int16(), "Int32": pl.Int32()}


@dataclass(frozen=True)
class Rule:
    """A boolean expression true on offending rows, and what was expected there."""

    name: str
    bad: pl.Expr
    expected: str


def output_dtype(col: ColumnSpec) -> pl.DataType:
    """The landing type of a column (docs/tables.md, landing)."""
    if col.kind == "date":
        return pl.Date()
    if col.kind == "yesno":
        return pl.Boolean()
    if col.kind in ("item", "integer"):
        return DTYPES[col.dtype]
    if col.kind == "number":
        return pl.Float64()
    return pl.String()


def empty_frame(spec: DatasetSpec) -> pl.DataFrame:
    """A zero-row landing table with the full schema (an optional dataset not delivered)."""
    schema = {SOURCE_ROW: pl.Int32(), **{c.name: output_dtype(c) for c in spec.columns}}
    return pl.DataFrame(schema=schema)


def _typed(col: ColumnSpec) -> pl.Expr:
    """The normalised value of a column from its trimmed text."""
    raw = pl.col(col.name)
    rules = delivery_rules()
    if col.kind == "pupil_ref":
        return raw.str.to_uppercase()
    if col.kind == "postcode":
        squeezed = raw.str.replace_all(r"\s+", "").str.to_uppercase()
        return (
            pl.when(squeezed.str.contains(POSTCODE))
            .then(
                pl.concat_str(
                    [squeezed.str.slice(0, squeezed.str.len_chars() - 3), pl.lit(" "), squeezed.str.slice(-3)]
                )
            )
            .otherwise(squeezed)
        )
    if col.kind == "date":
        return raw.str.replace(r" 00:00:00$", "").str.to_date("%Y-%m-%d", strict=False)
    if col.kind == "yesno":
        low = raw.str.to_lowercase()
        return pl.when(low.is_in(rules.yes)).then(True).when(low.is_in(rules.no)).then(False).otherwise(None)
    if col.kind == "code":
        return raw.str.to_lowercase().replace_strict({c.lower(): c for c in col.codes}, default=None)
    if col.kind == "code_list":
        codes = raw.str.split(";").list.eval(pl.element().str.strip_chars().str.to_uppercase())
        codes = codes.list.eval(pl.element().filter(pl.element() != "")).list.unique().list.sort()
        return pl.when(codes.list.len() > 0).then(codes.list.join(";")).otherwise(None)
    if col.kind in ("item", "integer"):
        value = raw.cast(pl.Int64, strict=False)
        if col.kind == "item":
            value = pl.when(value == rules.item_missing).then(None).otherwise(value)
        return value.cast(DTYPES[col.dtype], strict=False)
    if col.kind == "number":
        return raw.cast(pl.Float64, strict=False)
    return raw


def _rules(col: ColumnSpec) -> list[Rule]:
    """Every check of one column, as expressions on its trimmed text."""
    raw = pl.col(col.name)
    present = raw.is_not_null()
    rules = delivery_rules()
    found: list[Rule] = []
    if col.not_null:
        found.append(Rule("blank", raw.is_null(), "is blank; a value is required"))
    if col.kind == "pupil_ref" and col.checked:
        found.append(
            Rule(
                "format",
                present & ~raw.str.to_uppercase().str.contains(PUPIL_REF),
                "is not 10 characters [A-Z0-9]",
            )
        )
    elif col.kind == "seed_code":
        found.append(Rule("format", present & ~raw.str.contains(SEED_CODE), "is not a 7-digit SEED code"))
    elif col.kind == "month":
        found.append(Rule("format", present & ~raw.str.contains(MONTH), "is not a month YYYY-MM"))
    elif col.kind == "date":
        text = raw.str.replace(r" 00:00:00$", "")
        bad = present & (~text.str.contains(DATE) | text.str.to_date("%Y-%m-%d", strict=False).is_null())
        found.append(Rule("format", bad, "is not a date YYYY-MM-DD"))
    elif col.kind == "postcode":
        squeezed = raw.str.replace_all(r"\s+", "").str.to_uppercase()
        found.append(Rule("format", present & ~squeezed.str.contains(POSTCODE), "is not a UK postcode"))
    elif col.kind == "yesno":
        low = raw.str.to_lowercase()
        found.append(
            Rule(
                "code",
                present & ~low.is_in([*rules.yes, *rules.no]),
                "is not Y or N (Yes/No, 1/0, TRUE/FALSE tolerated)",
            )
        )
    elif col.kind == "code":
        found.append(
            Rule(
                "code",
                present & ~raw.str.to_lowercase().is_in([c.lower() for c in col.codes]),
                _code_expectation(col),
            )
        )
    elif col.kind == "code_list":
        codes = raw.str.split(";").list.eval(pl.element().str.strip_chars().str.to_uppercase())
        unknown = codes.list.eval(pl.element().filter((pl.element() != "") & ~pl.element().is_in(col.codes)))
        found.append(
            Rule(
                "code",
                present & (unknown.list.len() > 0),
                f"holds a code not in the {col.codes_name} list ({', '.join(col.codes)}), ';'-separated",
            )
        )
    elif col.kind in ("item", "integer"):
        value = raw.cast(pl.Int64, strict=False)
        allowed = value.is_between(col.min, col.max) if col.max is not None else value >= col.min
        if col.kind == "item":
            allowed = allowed | value.is_in([rules.item_missing, *rules.item_special])
        found.append(Rule("code", present & (value.is_null() | ~allowed), _range_expectation(col)))
    elif col.kind == "number":
        value = raw.cast(pl.Float64, strict=False)
        found.append(Rule("number", present & (value.is_null() | value.is_nan()), "is not a number"))
        if col.min is not None and col.min == 0:
            found.append(Rule("negative", present & (value < 0), "is negative; it must be 0 or more"))
    elif col.pattern:
        whole = rf"\A(?:{col.pattern})\z"  # matched whole: a trailing newline or path part does not pass
        found.append(Rule("format", present & ~raw.str.contains(whole), f"is not {col.pattern_text}"))
    if col.unique:
        key = raw.str.to_uppercase() if col.kind == "pupil_ref" else raw
        found.append(
            Rule("duplicate", present & key.is_duplicated(), "appears more than once; it must be unique")
        )
    return found


def _code_expectation(col: ColumnSpec) -> str:
    """'is not one of S1, S2, S3, S4 (stages of the secondary survey)'-style text."""
    return col.expected or f"is not one of {', '.join(col.codes)}"


def _range_expectation(col: ColumnSpec) -> str:
    """What an item or whole-number column may hold."""
    if col.kind == "item":
        return (
            f"is not a code {int(col.min)}-{int(col.max)}, -9 or blank (not answered), -8 (don't know) "
            "or -7 (not asked)"
        )
    upper = f"-{int(col.max)}" if col.max is not None else " or more"
    return f"is not a whole number {int(col.min)}{upper}"


def normalise(text: pl.DataFrame, spec: DatasetSpec, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Typed landing table of one dataset (contract order, `source_row` first) and every cell problem found."""
    present = [c for c in spec.columns if c.name in text.columns]
    checks = {f"{c.name}\x00{r.name}": (c, r) for c in present for r in _rules(c)}
    flagged = text.select(
        pl.col(SOURCE_ROW), *(r.bad.fill_null(False).alias(k) for k, (_c, r) in checks.items())
    )
    hits = flagged.select(pl.exclude(SOURCE_ROW).sum()).row(0, named=True) if checks else {}
    problems: list[Problem] = []
    for key, count in hits.items():
        if not count:
            continue
        col, rule = checks[key]
        rows = flagged.filter(pl.col(key)).get_column(SOURCE_ROW).head(20).to_list()
        message = f"{col.name} {rule.expected}"
        if col.kind in CLOSED_KINDS and rule.name != "blank":
            values = text.filter(flagged.get_column(key)).get_column(col.name).unique(maintain_order=True)
            message += found_values(values.to_list())
        problems.append(_counted(problem(file, col.name, rows, message), count))
    problems.extend(_unique_together(text, spec, file))
    typed = text.select(
        pl.col(SOURCE_ROW),
        *(
            _typed(c).cast(output_dtype(c)).alias(c.name)
            if c in present
            else pl.lit(None, output_dtype(c)).alias(c.name)
            for c in spec.columns
        ),
    )
    return typed, problems


@cache
def closed_vocabulary() -> frozenset[str]:
    """Every code of every contract code list and every yes/no spelling, in lower case: the quotable values."""
    rules = delivery_rules()
    codes = {c.lower() for values in code_lists().values() for c in values}
    return frozenset({*codes, *rules.yes, *rules.no})


def quotable(value: object) -> bool:
    """True when `value` may appear in a message: a contract code or a whole number of at most 3 digits."""
    if not isinstance(value, str):
        return False
    return value.lower() in closed_vocabulary() or re.fullmatch(SHORT_NUMBER, value) is not None


def found_values(values: list[str | None]) -> str:
    """ " (found 'S5', '9')" for the quotable offending values; any other value is counted, never shown."""
    shown = [repr(v) for v in values if quotable(v)][:VALUES_SHOWN]
    hidden = len([v for v in values if v is not None and not quotable(v)])
    other = f"{hidden} value{'s' if hidden != 1 else ''} not shown: only codes of the contract are quoted"
    if shown and hidden:
        return f" (found {', '.join(shown)}; {other})"
    if shown:
        return f" (found {', '.join(shown)})"
    return f" ({other})" if hidden else ""


def _counted(found: Problem, count: int) -> Problem:
    """The same problem with its true total row count (rows were fetched only for the first few)."""
    return Problem(found.severity, found.file, found.column, found.rows, int(count), found.message)


def _unique_together(text: pl.DataFrame, spec: DatasetSpec, file: str) -> list[Problem]:
    """Rows repeating a key that must be unique across several columns (e.g. the roll's school x stage x sex)."""
    cols = [c for c in spec.unique_together if c in text.columns]
    if not cols or len(cols) < len(spec.unique_together):
        return []
    keys = [pl.col(c).str.to_uppercase() for c in cols]
    dupes = text.filter(pl.struct(keys).is_duplicated()).get_column(SOURCE_ROW)
    if dupes.is_empty():
        return []
    return [
        _counted(
            problem(
                file,
                None,
                dupes.head(20).to_list(),
                f"{' x '.join(cols)} appears more than once; each combination must be unique",
            ),
            dupes.len(),
        )
    ]
