"""``shadowloop baseline`` and ``shadowloop drift``: the drift statistics on local files."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from shadowloop.ops import drift


class DriftInputError(click.ClickException):
    """Bad input: one ``error: ...`` line on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@contextlib.contextmanager
def _bad_input_exits_2() -> Iterator[None]:
    try:
        yield
    except drift.DriftInputError as exc:
        raise DriftInputError(str(exc)) from None


@click.command("baseline")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write statistics.json.",
)
@click.option("--target", help="The label column; it is left out of the baseline.")
@click.option(
    "--categorical",
    multiple=True,
    metavar="COL",
    help="Treat COL as categorical even if it looks numeric (repeatable).",
)
def baseline_command(
    data: Path, out: Path, target: str | None, categorical: tuple[str, ...]
) -> None:
    """Summarise DATA.csv into a drift baseline (statistics.json).

    A column is numeric when every non-empty value parses as a number, else
    categorical. The file is read in blocks, once (twice when a column first shows text
    after its first block), so its size is not limited by memory.
    """
    with _bad_input_exits_2():
        baseline, features = drift.baseline(data, target=target, categorical=frozenset(categorical))
        drift.write_json(out, baseline)
    kinds = ", ".join(f"{f.name} ({f.type})" for f in features)
    click.echo(f"baseline of {baseline['dataset']['item_count']} rows written to {out}: {kinds}")


@click.command("drift")
@click.argument("statistics", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("current", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the report as JSON here.",
)
@click.option(
    "--critical",
    multiple=True,
    metavar="COL",
    help="A feature whose drift alone makes the dataset drifted (repeatable).",
)
@click.option(
    "--min-rows",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Fewer current rows than this gives status insufficient_data.",
)
@click.option(
    "--threshold",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a threshold: psi_warn, psi_alert, jensen_shannon, wasserstein, linf, "
    "drift_share (repeatable).",
)
def drift_command(
    statistics: Path,
    current: Path,
    out: Path | None,
    critical: tuple[str, ...],
    min_rows: int,
    overrides: tuple[str, ...],
) -> None:
    """Compare CURRENT.csv with a baseline STATISTICS.json and print the verdict.

    Exits 0 whether or not the data drifted; read the verdict or the --out report.
    """
    with _bad_input_exits_2():
        report = drift.compare(
            statistics,
            current,
            thresholds=drift.thresholds(_overrides(overrides)),
            critical=frozenset(critical),
            min_rows=min_rows,
        )
        _print_report(report)
        if out:
            drift.write_json(out, report)


def _overrides(overrides: tuple[str, ...]) -> dict[str, float]:
    """``NAME=VALUE`` options as numbers by name."""
    values: dict[str, float] = {}
    for item in overrides:
        name, sep, raw = item.partition("=")
        try:
            values[name.strip()] = float(raw)
        except ValueError:
            raise DriftInputError(f"--threshold {item!r}: expected NAME=NUMBER") from None
        if not sep:
            raise DriftInputError(f"--threshold {item!r}: expected NAME=NUMBER")
    return values


def _print_report(report: dict[str, Any]) -> None:
    console = Console(width=max(Console().width, 110))
    table = Table(title=f"drift: {report['rows']} rows vs baseline")
    for column in (
        "feature",
        "type",
        "drifted",
        "psi",
        "js",
        "wasserstein/linf",
        "ks",
        "missing",
        "out of range",
    ):
        table.add_column(column, justify="left" if column in ("feature", "type") else "right")
    for name, result in report["features"].items():
        if "status" in result:
            table.add_row(name, result["status"], "-", *["-"] * 6)
            continue
        distance = result.get("wasserstein", result.get("linf"))
        table.add_row(
            name,
            result["type"],
            "[bold red]yes[/]" if result["drifted"] else "no",
            _number(result["psi"]),
            _number(result["js"]),
            _number(distance),
            _number(result.get("ks")),
            _number(result["missing_share"]),
            _number(result.get("out_of_range_share")),
        )
    console.print(table)
    console.print(_verdict(report))


def _verdict(report: dict[str, Any]) -> str:
    if report["status"] != "ok":
        return f"verdict: insufficient data ({report['rows']} rows < {report['min_rows']})"
    share = f"{report['drift_share']:.0%} of features drifted"
    if report["drifted"]:
        return f"verdict: [bold red]DRIFTED[/] ({share}: {', '.join(report['drifted_features'])})"
    return f"verdict: no drift ({share})"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
