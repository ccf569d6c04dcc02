"""Each council's part of the wave design (council level, no breakdowns), memoised by its pupil_scores' bytes.

Every council's comparisons test it against the rest of the wave, so each council's step used to prepare the
wave design of every other council again (31 of them at national scale: about 2.5 CPU s of the step's 3),
although their pupil_scores had not changed. The first step to prepare one stores it as a memo bundle
(`rcs_pipeline/storage/memo.py`: one long Parquet table of plain columns, shapes and dtypes in JSON, never pickle) keyed
by the file's bytes, the indicators and the code; later steps read it. A council's new bundle replaces
its older ones (family = its la_code).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from rcs_pipeline.estimates import comparisons
from rcs_pipeline.estimates.comparisons import SUM_FIELDS, Design, Pieces, Sums
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage.memo import (
    Memo,
    family_of,
    file_digest,
    inputs_digest,
    read_memo,
    source_digest,
    write_memo,
)

SCALARS = ("n", "k", "lonely", "over_roll")
PIECES = ("codes", "starts", "geo", "stratum")
KIND = {"f": "float", "i": "int", "u": "int", "b": "bool", "O": "text", "U": "text"}  # numpy kind → column
LONG = {"array": pl.String, "float": pl.Float64, "int": pl.Int64, "bool": pl.Boolean, "text": pl.String}


def design_memo(design: Design) -> Memo:
    """A council-level design without breakdowns as one long table (array name, its values in order in the
    column of their kind) with each array's shape and dtype."""
    if set(design.levels) != {"council"} or design.levels["council"].groups:
        raise ValueError("only a council-level design without breakdowns (the wave design) is memoised")
    council = design.levels["council"]
    arrays = {name: getattr(design, name) for name in SCALARS}
    arrays |= {f"totals_{f}": getattr(design.totals, f) for f in SUM_FIELDS}
    arrays |= {f"council_{name}": getattr(council, name) for name in PIECES}
    arrays |= {f"council_sums_{f}": getattr(council.sums, f) for f in SUM_FIELDS}
    arrays = {name: np.asarray(a) for name, a in arrays.items()}
    if any(a.dtype == object and not all(isinstance(v, str) for v in a.ravel()) for a in arrays.values()):
        raise ValueError("a design array holds values other than numbers and strings: not memoised")
    columns = [
        pl.DataFrame({"array": [name] * a.size, KIND[a.dtype.kind]: _plain(a)}) for name, a in arrays.items()
    ]
    shapes = {name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in arrays.items()}
    table = pl.concat([pl.DataFrame(schema=LONG), *columns], how="diagonal_relaxed").select(list(LONG))
    return Memo({"arrays": table}, {"indicators": list(design.indicators), "arrays": shapes})


def _plain(a: np.ndarray) -> pl.Series:
    """An array's values in order as one plain column (strings as strings)."""
    flat = a.ravel()
    return pl.Series(flat.tolist()) if a.dtype.kind in "OU" else pl.Series(flat)


def design_from_memo(memo: Memo) -> Design:
    """The Design that `design_memo` stored (the same arrays, shapes and dtypes)."""

    parts = memo.tables["arrays"].partition_by("array", as_dict=True, maintain_order=True)

    def array(name: str) -> np.ndarray:
        spec = memo.facts["arrays"][name]
        dtype = np.dtype(spec["dtype"])
        if not np.prod(spec["shape"]):
            return np.empty(spec["shape"], dtype)
        column = parts[(name,)][KIND[dtype.kind]]
        out = (
            np.array(column.to_list(), dtype=dtype) if dtype.kind in "OU" else column.to_numpy().astype(dtype)
        )
        return out.reshape(spec["shape"])

    def sums(prefix: str) -> Sums:
        return Sums(*(array(f"{prefix}_{f}") for f in SUM_FIELDS))

    council = Pieces(*(array(f"council_{name}") for name in PIECES), sums=sums("council_sums"), groups={})
    return Design(
        tuple(memo.facts["indicators"]),
        *(array(name) for name in SCALARS),
        totals=sums("totals"),
        levels={"council": council},
    )


def wave_design(
    home: RcsHome,
    wave: str,
    path: Path,
    indicators: Sequence[str],
    compute: Callable[[], Design],
    sources: Sequence[Path] = (),
) -> tuple[Design, bool]:
    """One council's wave design from its memo, or computed by `compute()` and memoised; (design, reused).

    `sources`: the files of the code `compute` runs beyond this module and comparisons.py (a memo of other code
    is never read).
    """
    code = source_digest(Path(comparisons.__file__), Path(__file__), *sources)
    read = file_digest(path)
    digest = inputs_digest([], read, *indicators, code)
    family = family_of(path.stem)
    memo = read_memo(home, "analysis", "comparisons", wave, family, digest)
    if memo is not None:
        return design_from_memo(memo), True
    design = compute()
    if file_digest(path) == read:  # not when a concurrent run rewrote the file while this one read it
        write_memo(home, "analysis", "comparisons", wave, family, digest, design_memo(design))
    return design, False
