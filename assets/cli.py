"""The `rcs` command: a stable surface for people and scripts (synth, validate, run, demo)."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

console = Console(stderr=False, highlight=False)


def _home(value: str | None) -> Path:
    """The RCS_HOME a command works on: --home, else $RCS_HOME, else ./data."""
    return Path(value or os.environ.get("RCS_HOME") or "data").resolve()


def council_choice(text: str) -> int | list[str]:
    """`--councils`: a count such as 3, or la_codes such as S12000005,S12000040."""
    from rcs_pipeline.synthetic.profiles import choose_councils

    value: int | list[str] = (
        int(text) if text.strip().isdigit() else [c.strip() for c in text.split(",") if c.strip()]
    )
    try:
        choose_councils([], value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def wave_choice(text: str) -> str | list[str]:
    """`--waves`: 'rcs' or school years such as 2015-16,2017-18."""
    from rcs_pipeline.paths import is_wave

    if text.strip() == "rcs":
        return "rcs"
    waves = [w.strip() for w in text.split(",") if w.strip()]
    if not waves or not all(is_wave(w) for w in waves):
        raise argparse.ArgumentTypeError(
            "--waves takes 'rcs' or school years YYYY-YY such as 2015-16,2017-18"
        )
    return waves


def cmd_synth(args: argparse.Namespace) -> int:
    """Write synthetic landing folders that follow the input contract."""
    from rcs_pipeline.synthetic import generate

    home = _home(args.home)
    summary = generate(
        home, scale=args.scale, seed=args.seed, fmt=args.format, councils=args.councils, waves=args.waves
    )
    console.print(f"synthetic {args.scale} data written under {home / 'landing'}")
    for wave, la_code in summary.deliveries:
        console.print(f"  {home / 'landing' / wave / la_code}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check one delivery folder against the input contract: exit 0 when valid, 2 with one line per problem."""
    from rcs_pipeline.contract.validate import validate_delivery

    # absolute(), not resolve(): a symbolic link must reach the contract's check, which refuses it
    folder = Path(args.delivery).absolute()
    problems = validate_delivery(folder)
    errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
    for problem in problems:
        print(problem, file=sys.stderr if problem in errors else sys.stdout)
    if errors:
        print(f"{folder}: {len(errors)} problem(s); the delivery is rejected", file=sys.stderr)
        return 2
    print(f"{folder}: valid")
    return 0


def ensure_demo_key(env_file: Path) -> None:
    """Give the demo a random linkage key in a git-ignored .env when none is set (nothing else does this).

    The file is created 0600 from the start (written to a private temporary file, then renamed): the key is
    never readable by others, even for an instant. `rcs` itself never reads `.env` (only the Makefile
    loads it), so a key already in the file but not in the environment is an error, not silently reused.
    """
    if os.environ.get("RCS_LINKAGE_KEY"):
        return
    lines = env_file.read_text().splitlines() if env_file.exists() else []
    if any(line.startswith("RCS_LINKAGE_KEY=") for line in lines):
        raise SystemExit(
            f"{env_file} already holds a demo linkage key but RCS_LINKAGE_KEY is not set: run `make demo`, "
            "which loads .env, or load it yourself (set -a; . ./.env; set +a)"
        )
    key = secrets.token_hex(32)
    write_private(env_file, "\n".join([*lines, f"RCS_LINKAGE_KEY={key}", ""]))
    os.environ["RCS_LINKAGE_KEY"] = key
    console.print(f"created a random demo linkage key in {env_file} (git-ignored, mode 0600)")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically with mode 0600 from the first byte (mkstemp creates files 0600)."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _select(home: Path, waves: list[str] | None, councils: list[str] | None) -> list[tuple[str, str]]:
    """The (wave, council) deliveries under home/landing that match the filters."""
    from rcs_pipeline.paths import RcsHome

    found = RcsHome(home).deliveries()
    return [(w, la) for w, la in found if (not waves or w in waves) and (not councils or la in councils)]


def run_pipeline(home: Path, deliveries: list[tuple[str, str]], jobs: int = 1) -> int:
    """Materialise every asset for the deliveries with a progress display; exit 1 on any failure.

    `jobs` councils run at a time (docs/deploy.md, "Councils at the same time on one machine").
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from assets.definitions import defs as load_defs
    from assets.runner import RunInterrupted, RunOutcome, graph_stages, materialise
    from rcs_pipeline.paths import RcsHome

    if not deliveries:
        console.print(f"[red]no deliveries found under {home / 'landing'}[/red]")
        return 1
    defs = load_defs()
    stages = graph_stages(defs)
    waves = {w for w, _ in deliveries}
    total = sum(len(s.keys) * (len(waves) if s.wave_wide else len(deliveries)) for s in stages)
    layout = RcsHome(home)
    outcomes: list[RunOutcome] = []
    console.print(
        f"materialising {len(deliveries)} partition(s) (wave|council) in {len(stages)} stage(s) each, "
        f"{total} asset materialisations, under {home}",
        soft_wrap=True,
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting", total=total)

        def on_asset(partition: str, asset: str) -> None:
            progress.update(task, advance=1, description=f"{partition} [bold]{asset}[/bold]")

        def on_run(outcome: RunOutcome) -> None:
            outcomes.append(outcome)
            progress.console.print(_run_line(outcome), soft_wrap=True)
            for step, message in outcome.failures:
                progress.console.print(f"    [red]{step}[/red]: {escape(message)}", soft_wrap=True)
            if outcome.success and any(
                key.endswith("report") or key.endswith("reports") for key in outcome.keys
            ):
                wave, _, la_code = outcome.partition.partition("|")
                progress.console.print(
                    f"    reports rendered: {_report_files(layout, wave, la_code)}", soft_wrap=True
                )

        try:
            materialise(home, deliveries, on_run=on_run, on_asset=on_asset, jobs=jobs)
        except RunInterrupted as stop:
            progress.console.print(
                f"[red]interrupted[/red]: {stop}; no later run was started. "
                "Run `rcs run` again to finish (finished tables are kept; partial files are removed)."
            )
            _summarise(home, deliveries, outcomes)
            return 130
    return _summarise(home, deliveries, outcomes)


def _run_line(outcome) -> str:
    """One line per finished run: partition, assets materialised, checks passed and failed."""
    mark = "[green]ok[/green]" if outcome.success else "[red]FAILED[/red]"
    checks = f"{outcome.checks_passed} check(s) passed"
    if outcome.checks_failed:
        checks += f", [red]{len(outcome.checks_failed)} failed[/red]"
    return f"{mark} {outcome.partition}: {len(outcome.materialised)}/{len(outcome.keys)} assets, {checks}"


def _report_files(layout, wave: str, la_code: str) -> str:
    """How many report PDFs and spreadsheets a partition's report folder holds, and where it is."""
    folder = layout.reports(wave, la_code)
    pdfs = len(list(folder.rglob("*.pdf"))) if folder.exists() else 0
    sheets = len(list(folder.rglob("*.xlsx"))) if folder.exists() else 0
    return f"{pdfs} PDF(s), {sheets} spreadsheet(s) in {folder}"


def _summarise(home: Path, deliveries: list[tuple[str, str]], outcomes: list) -> int:
    """Print what was produced, checks passed and failed, and where the outputs are."""
    from rich.table import Table

    from rcs_pipeline.paths import RcsHome

    layout = RcsHome(home)
    failed = [o for o in outcomes if not o.success]
    console.rule("summary")
    table = Table(box=None, pad_edge=False, collapse_padding=True)
    table.add_column("partition", no_wrap=True, min_width=len("2015-16|S12000005"))
    table.add_column("result", no_wrap=True)
    for column in ("assets", "checks passed", "checks failed", "PDFs", "spreadsheets"):
        table.add_column(column, justify="right")
    for wave, la_code in deliveries:
        mine = [o for o in outcomes if o.partition == f"{wave}|{la_code}"]
        folder = layout.reports(wave, la_code)
        result = "[red]failed[/red]" if any(not o.success for o in mine) else "ok" if mine else "not run"
        table.add_row(
            f"{wave}|{la_code}",
            result,
            str(sum(len(o.materialised) for o in mine)),
            str(sum(o.checks_passed for o in mine)),
            str(sum(len(o.checks_failed) for o in mine)),
            str(len(list(folder.rglob("*.pdf"))) if folder.exists() else 0),
            str(len(list(folder.rglob("*.xlsx"))) if folder.exists() else 0),
        )
    console.print(table)
    checks_passed = sum(o.checks_passed for o in outcomes)
    checks_failed = [(o, c) for o in outcomes for c in o.checks_failed]
    console.print(
        f"runs: {len(outcomes)} ({len(failed)} failed); asset checks passed: {checks_passed}, "
        f"failed: {len(checks_failed)}"
    )
    for outcome, name in checks_failed:
        found = outcome.check_findings.get(name.partition(":")[2], "")
        console.print(
            f"  [red]check failed[/red] {outcome.partition} {name}" + (f": {escape(found)}" if found else ""),
            soft_wrap=True,
            markup=True,
            highlight=False,
        )
    for outcome in failed:
        for step, message in outcome.failures:
            console.print(f"[red]failed[/red] {outcome.partition} {step}: {escape(message)}", soft_wrap=True)
    console.print(f"reports: {layout.root / 'reports'}/<wave>/<la_code>/", soft_wrap=True)
    for wave, la_code in deliveries:
        council = layout.reports(wave, la_code) / "council_report.pdf"
        if council.exists():
            console.print(f"  council report {wave} {la_code}: {council}", soft_wrap=True)
    instance = os.environ.get("DAGSTER_HOME") or layout.dagster_home()  # the one `materialise` used
    console.print(f"Dagster instance: {instance} (open the UI with `make dev`)", soft_wrap=True)
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Materialise every asset for the selected partitions through Dagster, in process."""
    home = _home(args.home)
    return run_pipeline(home, _select(home, args.wave, args.la), jobs=args.jobs)


def cmd_demo(args: argparse.Namespace) -> int:
    """Synthesise the 2015-16 demo tranche and materialise everything; print where the PDFs are."""
    from rcs_pipeline.synthetic import generate

    home = _home(args.home)
    env_file = Path(args.env_file).resolve()
    ensure_demo_key(env_file)
    lines = env_file.read_text().splitlines() if env_file.exists() else []
    if not any(line.startswith("RCS_HOME=") for line in lines):  # `make dev` and the UI find the demo data
        with env_file.open("a") as handle:
            handle.write(f"RCS_HOME={home}\n")
    console.print(f"generating the synthetic demo tranche under {home}")
    summary = generate(home, scale="demo", seed=args.seed)
    if args.no_run:
        return 0
    return run_pipeline(home, list(summary.deliveries))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `rcs`."""
    from rcs_pipeline.synthetic.profiles import scale_names

    parser = argparse.ArgumentParser(prog="rcs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    synth = sub.add_parser("synth", help="write synthetic landing folders")
    synth.add_argument("--scale", choices=scale_names(), default="tiny")
    synth.add_argument(
        "--format",
        choices=["csv", "xlsx", "sav"],
        default="csv",
        help="file format of the deliveries (sav for the three surveys only)",
    )
    synth.add_argument("--home", required=True)
    synth.add_argument("--seed", type=int, default=2015, help="random seed (same seed, same files)")
    synth.add_argument(
        "--councils",
        type=council_choice,
        default=None,
        help="how many councils (e.g. 1), or which (comma-separated la_codes); default the scale's",
    )
    synth.add_argument(
        "--waves",
        type=wave_choice,
        default=None,
        help="'rcs' (the RCS tranches, each council followed up every two years) or comma-separated "
        "waves such as 2015-16,2017-18 (later waves follow the same children); default the scale's",
    )
    synth.set_defaults(func=cmd_synth)
    validate = sub.add_parser("validate", help="check one delivery folder against the input contract")
    validate.add_argument("delivery", help="RCS_HOME/landing/<wave>/<la_code>")
    validate.set_defaults(func=cmd_validate)
    run = sub.add_parser("run", help="materialise every asset for the selected partitions")
    run.add_argument("--home")
    run.add_argument("--wave", action="append", help="a wave such as 2015-16 (repeatable; default all)")
    run.add_argument(
        "--la", action="append", help="a council code such as S12000005 (repeatable; default all)"
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="councils run at the same time, each in its own process (default 1; 2 on a 2-core machine)",
    )
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="synthesise the demo tranche and run everything")
    demo.add_argument("--home")
    demo.add_argument("--seed", type=int, default=2015)
    demo.add_argument("--env-file", default=".env")
    demo.add_argument("--no-run", action="store_true", help="only generate the data and the demo key")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `rcs` console script (it never reads `.env`: only the Makefile loads it)."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
