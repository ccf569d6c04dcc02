"""Finding 6: each step reads only its role's zones (docs/deploy.md, section 4).

One real run of the whole graph for one tiny council records every file under RCS_HOME that each step
opens (Polars readers and Python-level reads, attributed to the running Dagster op) and checks it against
the zones the step's role may read. The lookup tables later roles need (schools, school_roll, the services
register and evidence costs) are copied into their zones at separation, so nothing after separation opens
landing/.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.runner import materialise
from tests.conftest import TINY_COUNCILS, TINY_WAVE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("security_zone_reads")]

# The read column of docs/deploy.md's table, per asset group (a role), as folders under RCS_HOME.
ALLOWED = {
    "landing": ("landing/",),
    "separation": ("landing/",),
    "key_holder": ("separation/identifiers/", "key_holder/"),
    "linkage": ("separation/content/", "key_holder/link_map/", "linkage/"),
    "analysis": ("linkage/", "analysis/"),
    "disclosure": (
        "analysis/",
        "linkage/linkage_quality/",
        "published/",
        "disclosure/",
    ),  # its own comparator memo
    "reports": ("published/", "services/", "reports/"),
    "services": ("published/", "services/"),
}
# Written by the step itself and read back (its own outputs) or the project's quality pages.
ALWAYS = ("quality/", "dagster_home/")


class Recorder:
    """Every file under `home` opened while a Dagster op runs, by op name."""

    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.reads: dict[str, set[str]] = defaultdict(set)
        self.active = False

    def note(self, path: object) -> None:
        """Record `path` for the running op when it lies under RCS_HOME."""
        if not self.active or not isinstance(path, (str, Path)):
            return
        try:
            resolved = Path(path).resolve()
        except (OSError, ValueError):
            return
        if not resolved.is_relative_to(self.home):
            return
        try:
            op = dg.OpExecutionContext.get().op.name
        except Exception:  # no op running (the runner itself between runs)
            return
        self.reads[op].add(str(resolved.relative_to(self.home)))

    def audit(self, event: str, args: tuple) -> None:
        """sys.addaudithook hook: Python-level opens for reading (writes go to the step's own zone)."""
        if event != "open" or len(args) < 3:
            return
        path, mode, flags = args[:3]
        reading = (
            ("r" in mode and "+" not in mode)
            if isinstance(mode, str)
            else isinstance(flags, int) and not flags & (os.O_WRONLY | os.O_RDWR)
        )
        if reading:
            self.note(path)


def op_groups(defs: dg.Definitions) -> dict[str, str]:
    """Dagster op name -> asset group of every asset and asset check (a check takes its asset's group)."""
    definitions = [
        d for d in (*defs.assets, *(defs.asset_checks or [])) if isinstance(d, dg.AssetsDefinition)
    ]
    group = {key: g for d in definitions for key, g in d.group_names_by_key.items()}
    out = {}
    for d in definitions:
        keys = [*d.keys, *(c.asset_key for c in d.check_keys)]
        if keys and keys[0] in group:
            out[d.node_def.name] = group[keys[0]]
    return out


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Recorder, dict[str, str]]]:
    """Run the whole graph for one tiny council with every read recorded; yield the reads and op groups."""
    import secrets

    from assets.definitions import defs as load_defs
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("zone_reads")
    generate(home, scale="tiny", seed=2015)
    recorder = Recorder(home)
    sys.addaudithook(recorder.audit)  # cannot be removed: it records only while `active`
    patched = {}
    for name in ("read_parquet", "scan_parquet", "read_parquet_schema", "read_csv", "read_excel"):
        original = getattr(pl, name)
        patched[name] = original

        def spy(source: object, *args: object, _original=original, **kwargs: object) -> object:
            recorder.note(source)
            return _original(source, *args, **kwargs)

        setattr(pl, name, spy)
    saved = {k: os.environ.get(k) for k in ("RCS_LINKAGE_KEY", "DAGSTER_HOME")}
    os.environ["RCS_LINKAGE_KEY"] = secrets.token_hex(32)
    recorder.active = True
    try:
        defs = load_defs()
        with dg.instance_for_test() as instance:
            outcomes = materialise(home, [(TINY_WAVE, TINY_COUNCILS[0])], defs=defs, instance=instance)
        groups = op_groups(defs)
        assert all(o.success for o in outcomes), [o.failures for o in outcomes if not o.success]
        yield recorder, groups
    finally:
        recorder.active = False
        for name, original in patched.items():
            setattr(pl, name, original)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_every_step_reads_only_its_roles_zones(recorded: tuple[Recorder, dict[str, str]]) -> None:
    """No step opens a file of a zone its role may not read (docs/deploy.md)."""
    recorder, groups = recorded
    assert recorder.reads, "the run should have been recorded"
    assert {groups.get(op) for op in recorder.reads} >= set(ALLOWED) - {"landing"}
    breaches = []
    for op, paths in sorted(recorder.reads.items()):
        group = groups.get(op, "")
        allowed = (*ALLOWED.get(group, ()), *ALWAYS)
        breaches += [f"{op} ({group}): {p}" for p in sorted(paths) if not p.startswith(allowed)]
    assert breaches == [], "\n".join(breaches)
    lookups = {p.split("/")[0] + "/" + p.split("/")[1] for paths in recorder.reads.values() for p in paths}
    assert {
        "analysis/lookup_schools",
        "published/lookup_schools",
        "services/lookup_services_register",
    } <= lookups


def test_no_step_outside_the_identifier_zones_reads_an_identifier_zone(
    recorded: tuple[Recorder, dict[str, str]],
) -> None:
    """Analysis, disclosure, reports and services never open landing/, separation or key-holder files."""
    recorder, groups = recorded
    forbidden = ("landing/", "separation/", "key_holder/")
    breaches = [
        f"{op}: {p}"
        for op, paths in recorder.reads.items()
        if groups.get(op) in ("analysis", "disclosure", "reports", "services")
        for p in paths
        if p.startswith(forbidden)
    ]
    assert breaches == [], "\n".join(breaches)
