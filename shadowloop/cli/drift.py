"""``shadowloop baseline`` and ``shadowloop drift``: the drift statistics on local files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from lambdas.shared.drift import (
    CATEGORICAL,
    NUMERIC,
    BaselineError,
    CsvError,
    DriftAccumulator,
    Thresholds,
    build_baseline,
    iter_csv_chunks,
)
from lambdas.shared.drift.columns import to_numeric
from lambdas.shared.settings import Feature


class DriftInputError(click.ClickException):
    """Bad input: one ``error: ...`` line on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


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
    categorical. The file is read twice in chunks, so its size is not limited by memory.
    """
    features = _infer_features(data, target=target, categorical=set(categorical))
    try:
        baseline = build_baseline(_chunks(data), features, target=target)
    except BaselineError as exc:
        raise DriftInputError(f"{data}: {exc}") from None
    _write_json(out, baseline)
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
    thresholds = _thresholds(overrides)
    try:
        accumulator = DriftAccumulator(_read_json(statistics))
    except BaselineError as exc:
        raise DriftInputError(f"{statistics}: {exc}") from None
    for chunk in _chunks(current):
        accumulator.add(chunk)
    report = accumulator.report(thresholds, critical=set(critical), min_rows=min_rows)
    _print_report(report)
    if out:
        _write_json(out, report)


def _infer_features(data: Path, *, target: str | None, categorical: set[str]) -> list[Feature]:
    numeric: dict[str, bool] = {}
    for chunk in _chunks(data):
        for name, values in chunk.items():
            if name in categorical:
                numeric[name] = False
            elif numeric.get(name, True):
                numeric[name] = to_numeric(values).type_errors == 0
    unknown = sorted((categorical | {target} - {None}) - set(numeric))
    if unknown:
        raise DriftInputError(f"{data}: no column named {unknown[0]!r}")
    return [
        Feature(name=name, type=NUMERIC if is_numeric else CATEGORICAL)
        for name, is_numeric in numeric.items()
        if name != target
    ]


def _chunks(path: Path) -> Iterator[dict[str, list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as lines:
            yield from iter_csv_chunks(lines)
    except OSError as exc:
        raise DriftInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DriftInputError(f"{path}: not UTF-8 text") from None
    except CsvError as exc:
        raise DriftInputError(f"{path}: {exc}") from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DriftInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DriftInputError(f"{path}: not a JSON document") from None


def _write_json(path: Path, document: Any) -> None:
    try:
        path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DriftInputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _thresholds(overrides: tuple[str, ...]) -> Thresholds:
    values: dict[str, float] = {}
    for item in overrides:
        name, sep, raw = item.partition("=")
        try:
            values[name.strip()] = float(raw)
        except ValueError:
            raise DriftInputError(f"--threshold {item!r}: expected NAME=NUMBER") from None
        if not sep:
            raise DriftInputError(f"--threshold {item!r}: expected NAME=NUMBER")
    unknown = sorted(set(values) - set(Thresholds.__dataclass_fields__))
    if unknown:
        raise DriftInputError(f"--threshold: unknown threshold {unknown[0]!r}")
    try:
        return Thresholds.from_dict(values)
    except ValueError as exc:
        raise DriftInputError(str(exc)) from None


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
