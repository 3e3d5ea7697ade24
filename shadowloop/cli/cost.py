"""``shadowloop cost``: the monthly AWS cost of the deployed config, per service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from shadowloop.cli.common import CliError, console
from shadowloop.ops import cost

DEFAULT_VOLUMES = (1_000_000, 100_000_000)


@click.command("cost")
@click.option(
    "--predictions",
    "volumes",
    type=int,
    multiple=True,
    metavar="N",
    help="Predictions a month to price (repeatable). Default: 1,000,000 and 100,000,000.",
)
@click.option(
    "--runs-per-month",
    type=int,
    default=4,
    show_default=True,
    help="Pipeline runs (training + evaluation) a month.",
)
@click.option(
    "--environment",
    default=None,
    help="The cdk.json environment to price. Default: the one `cdk deploy` uses.",
)
@click.option(
    "--prices",
    "prices_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=cost.PRICES_FILE,
    help="A price book of your own (same fields as shadowloop/ops/prices.json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
def cost_command(
    volumes: tuple[int, ...],
    runs_per_month: int,
    environment: str | None,
    prices_file: Path,
    as_json: bool,
) -> None:
    """Estimate the monthly AWS cost at a number of predictions a month.

    \b
    One row per service, one column per volume: API Gateway, the API and
    check Lambdas, the inference table and its feedback, captures in S3,
    CloudWatch, the endpoint (real-time with a shadow beside serverless),
    pipeline runs, and SageMaker Model Monitor as the managed alternative
    to the drift and quality checks.

    Settings come from cdk.json (what `cdk deploy` uses); prices and
    assumptions from shadowloop/ops/prices.json: us-east-1 list prices
    without free tiers, to re-check before relying on them.
    """
    from infra.config import load_from_cdk_json

    volumes = volumes or DEFAULT_VOLUMES
    for volume in volumes:
        if volume < 0:
            raise CliError(f"--predictions: {volume} must not be negative")
    if runs_per_month < 0:
        raise CliError(f"--runs-per-month: {runs_per_month} must not be negative")
    config = load_from_cdk_json(environment=environment)
    try:
        book = cost.load_prices(prices_file)
        estimates = [cost.estimate(config, book, volume, runs_per_month) for volume in volumes]
        notes = cost.notes(config, book)
    except cost.PriceError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(to_json(estimates, notes, book, runs_per_month), indent=2))
    else:
        console.print(_table(estimates))
        for note in notes:
            console.print(f"  {note}")


def to_json(
    estimates: list[cost.Estimate], notes: list[str], book: cost.PriceBook, runs: int
) -> dict[str, Any]:
    """The machine-readable form: one entry per volume, its lines and totals in USD."""
    return {
        "region": book.region,
        "checked": book.checked,
        "runs_per_month": runs,
        "estimates": [
            {
                "predictions": e.predictions,
                "lines": [
                    {
                        "service": line.service,
                        "usd": round(line.usd, 2),
                        "basis": line.basis,
                        "applies": line.applies,
                    }
                    for line in e.lines
                ],
                "totals": {name: round(usd, 2) for name, usd in e.totals().items()},
            }
            for e in estimates
        ],
        "notes": notes,
    }


def _table(estimates: list[cost.Estimate]) -> Table:
    table = Table(title="Monthly AWS cost in USD, by predictions a month", title_justify="left")
    table.add_column("service")
    table.add_column("counts in")
    for e in estimates:
        table.add_column(f"{e.predictions:,}", justify="right")
    for i, line in enumerate(estimates[0].lines):
        counts_in = "all" if line.applies == cost.BOTH else line.applies
        table.add_row(line.service, counts_in, *(_usd(e.lines[i].usd) for e in estimates))
    table.add_section()
    for name in estimates[0].totals():
        table.add_row(f"total, {name}", "", *(_usd(e.totals()[name]) for e in estimates))
    return table


def _usd(value: float) -> str:
    return f"${value:,.2f}"
