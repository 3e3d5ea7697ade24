"""``shadowloop data``: push and list dataset versions, generate example data."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from shadowloop.cli.common import console, target_option
from shadowloop.demo import loans as loan_examples
from shadowloop.ops import datasets, examples
from shadowloop.ops.target import Target


@click.group()
def data() -> None:
    """Versioned datasets in the data bucket (one S3 key, one version per push)."""


@data.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", required=True, help="Dataset name, e.g. delivery-eta.")
@target_option
def push(file: Path, dataset: str, target: Target) -> None:
    """Upload FILE (a CSV with a header row) as a new version of DATASET.

    Prints the new S3 VersionId; `shadowloop train --version-id` pins a run to it.
    """
    version_id = datasets.push(target, file, dataset)
    click.echo(version_id)


@data.command()
@click.option("--dataset", required=True, help="Dataset name.")
@target_option
def versions(dataset: str, target: Target) -> None:
    """List the versions of DATASET, newest first."""
    table = Table("version_id", "pushed", "bytes", "source", "latest")
    for v in datasets.versions(target, dataset):
        table.add_row(
            v.version_id,
            f"{v.last_modified:%Y-%m-%d %H:%M:%S}",
            str(v.size),
            v.source,
            "yes" if v.latest else "",
        )
    console.print(table)


@data.command()
@click.option(
    "--scenario",
    type=click.Choice(examples.scenarios()),
    default="baseline",
    show_default=True,
    help="baseline, or a shifted world (monsoon: rain and slower "
    "traffic change how long deliveries take).",
)
@click.option("--rows", type=click.IntRange(1, 10_000_000), default=5000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def generate(scenario: str, rows: int, seed: int, out: Path) -> None:
    """Write example food-delivery ETA data (deterministic for a seed) to OUT."""
    examples.generate(scenario, rows=rows, seed=seed).to_csv(out, index=False)
    click.echo(f"wrote {rows} rows of {scenario} data to {out}")


@data.command()
@click.option(
    "--variant",
    type=click.Choice(loan_examples.VARIANTS),
    default="fair",
    show_default=True,
    help="fair labels, or labels skewed against applicant_group B (the skew reaches a model "
    "through postcode_band, a proxy for the group).",
)
@click.option("--rows", type=click.IntRange(200, 10_000_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def loans(variant: str, rows: int, seed: int, out: Path) -> None:
    """Write an example loan-approval table (target approved, group applicant_group) to OUT."""
    loan_examples.generate(variant, rows=rows, seed=seed).to_csv(out, index=False)
    click.echo(f"wrote {rows} rows of {variant} loan decisions to {out}")
