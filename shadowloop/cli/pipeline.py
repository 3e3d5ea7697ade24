"""``shadowloop train`` and ``shadowloop models``: runs and the registry."""

from __future__ import annotations

from collections.abc import Callable

import click
from rich.table import Table

from shadowloop.cli.common import CliError, console, progress, target_option
from shadowloop.ops import models as registry
from shadowloop.ops import pipeline
from shadowloop.ops.target import Target


@click.command()
@click.option("--dataset", default=None, help="Dataset name (default: the configured one).")
@click.option(
    "--version-id", default=None, help="Pin the run to this dataset version (default: the latest)."
)
@target_option
def train(dataset: str | None, version_id: str | None, target: Target) -> None:
    """Start a pipeline run and follow it: validate → train → evaluate → gate →
    register → deploy as shadow. Ends with the model package, the gate's reason,
    or the failure reason (exit code 1)."""
    dataset = dataset or target.config.model.dataset
    arn = pipeline.start(target, dataset, version_id=version_id)
    console.print(f"run [bold]{arn.rsplit(':', 1)[-1]}[/] on {dataset}")
    with progress("starting") as update:
        result = pipeline.follow(target, arn, on_state=lambda s: _step(update, s))
    if result.result == "registered":
        console.print(f"[green]registered[/] {result.model_package_arn}")
    elif result.result == "rejected":
        console.print(f"[yellow]rejected by the gate[/]: {result.reason}")
    else:
        raise CliError(f"run {result.status.lower()}: {result.reason}")
    if result.unsent_notice:
        console.print(f"[yellow]the run's notification was not sent[/]: {result.unsent_notice}")


def _step(update: Callable[[str], None], state: str) -> None:
    """Every step stays on screen; the spinner shows the one running now."""
    console.print(f"  [dim]→[/] {state}")
    if console.is_terminal:
        update(state)


@click.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@target_option
def models(limit: int, target: Target) -> None:
    """List registered model packages, newest first, with metrics and lineage, then who
    approved or rejected each by hand, when and why."""
    packages = registry.list_models(target, limit=limit)
    if not packages:
        console.print("no models registered yet: run `shadowloop train`")
        return
    # The fairness column only when some registration was judged: 80 columns fit seven.
    judged = any(p.get("fairness") for p in packages)
    table = Table()
    columns = ["version", "status", "metric", "dataset", "dataset version", "trigger"]
    for column in [*columns, *(["fairness"] if judged else []), "created"]:
        table.add_column(column, overflow="fold")
    for p in packages:
        metric = f"{p.get('metric')}={_num(p.get('metric_value'))}"
        cells = [
            str(p.get("version")),
            str(p.get("status")),
            metric,
            str(p.get("dataset")),
            str(p.get("version_id")),
            str(p.get("trigger")),
        ]
        fairness = [_fairness(p.get("fairness"))] if judged else []
        table.add_row(*cells, *fairness, str(p.get("created") or "")[:16])
    console.print(table)
    # Plain lines below the table: identities are long ARNs that must stay whole.
    for p in registry.decided_by_hand(packages):
        console.print(
            f"version {p['version']}: {p['status']} by {p['approved_by']} "
            f"at {p['approved_at']}: {p['approval_reason']}"
        )


def _fairness(verdict: dict | None) -> str:
    """The registration's fairness verdict in a cell: the group and each across-group figure."""
    if not verdict:
        return "off"
    figures = [
        f"{name.replace('_', ' ')} {_num(value)}"
        for name, value in verdict.items()
        if name not in ("decision", "group", "insufficient_evidence")
    ]
    small = verdict.get("insufficient_evidence")
    if small:
        figures.append(f"{small} group(s) too small")
    return f"{verdict.get('group')}: {', '.join(figures)}"


def _num(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)
