"""The audit trail: ``shadowloop explain`` a prediction, ``shadowloop approve`` a model."""

from __future__ import annotations

import json
from typing import Any

import click

from shadowloop.cli.common import CliError, console, target_option
from shadowloop.cli.serving import call_api
from shadowloop.ops import approval, replay
from shadowloop.ops.target import Target


@click.command()
@click.argument("inference_id")
@click.option(
    "--replay",
    "replay_it",
    is_flag=True,
    help="Re-run the recorded input on the package's registered model.tar.gz and its own "
    "code; exit 1 unless the answer is identical.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@target_option
def explain(inference_id: str, replay_it: bool, as_json: bool, target: Target) -> None:
    """Show what answered the prediction INFERENCE_ID: its input, its output, the model
    package with its dataset version, code version and approval."""
    record = call_api(target, lambda api: api.inference(inference_id))
    outcome = _replay(target, record) if replay_it else None
    if outcome is not None:
        record["replay"] = {
            "model_data_url": outcome.model_data_url,
            "reproduced": outcome.reproduced,
            "replayed": outcome.replayed,
            "difference": outcome.difference,
        }
    if as_json:
        click.echo(json.dumps(record, indent=2, default=str))
    else:
        _show_record(record)
    if outcome is not None and not outcome.reproduced:
        raise CliError(f"not reproduced: {outcome.difference}")


@click.command()
@click.argument("package")
@click.option("--reason", required=True, help="Why (kept on the package; at most 256 characters).")
@click.option("--reject", is_flag=True, help="Reject the package instead of approving it.")
@target_option
def approve(package: str, reason: str, reject: bool, target: Target) -> None:
    """Approve (or --reject) the model PACKAGE, an ARN or a version number, recording
    who decided, when and why."""
    decision = approval.record(target, package, reject=reject, reason=reason)
    colour = "red" if reject else "green"
    console.print(
        f"[{colour}]{decision['approval_status']}[/] version {decision['version']} "
        f"({decision['model_package_arn']})"
    )
    console.print(f"  by     {decision['approved_by']}")
    console.print(f"  at     {decision['approved_at']}")
    console.print(f"  reason {decision['approval_reason']}")


def _replay(target: Target, record: dict[str, Any]) -> replay.Replay:
    try:
        return replay.replay_inference(target, record)
    except replay.ReplayError as exc:
        raise CliError(str(exc)) from None


def _show_record(record: dict[str, Any]) -> None:
    model = record.get("model") or {}
    lineage = model.get("lineage") or {}
    rows = [
        ("inference", record["inference_id"]),
        ("predicted at", record["predicted_at"]),
        ("variant", record["variant"]),
        ("model package", record.get("model_package_arn") or "none"),
        ("version", model.get("version")),
        ("approval", _approval(model) if model else "package not in the registry"),
        ("dataset", lineage.get("dataset")),
        ("dataset version", record.get("version_id")),
        ("code version", record.get("code_version")),
        ("run", lineage.get("run_id")),
        ("trigger", lineage.get("trigger")),
        ("input", json.dumps(record.get("input"))),
        ("output", json.dumps(record.get("prediction"))),
        ("kept until", record["expires_at"]),
    ]
    outcome = record.get("replay")
    if outcome is not None:
        rows.append(("replayed", json.dumps(outcome["replayed"])))
    # Plain lines, not a table: ARNs and ids stay whole on one line, so they can be copied.
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        shown = "" if value is None else str(value)
        console.print(f"[bold]{name:<{width}}[/]  {shown}")
    if outcome is not None:
        console.print(
            "reproduced: [green]yes[/]" if outcome["reproduced"] else "reproduced: [red]no[/]"
        )


def _approval(model: dict[str, Any]) -> str:
    status = str(model.get("approval_status"))
    if not model.get("approved_by"):
        return status
    return (
        f"{status} by {model['approved_by']} at {model['approved_at']}: {model['approval_reason']}"
    )
