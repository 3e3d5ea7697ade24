"""``shadowloop demo``: the whole loop on the local cloud, with a report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from infra.config import ROOT, Config, load_from_cdk_json
from shadowloop.cli.common import CliError, console


def _shift(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    shifts = {}
    for value in values:
        column, _, delta = value.partition("=")
        try:
            shifts[column] = float(delta)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not COL=DELTA_SD (e.g. income=1.5)") from None
    return shifts


STORIES = ("eta", "loan", "hospital")


@click.command()
@click.option(
    "--story",
    "story_name",
    type=click.Choice(STORIES),
    help="Which built-in story to tell: eta (delivery times and the monsoon: the inputs "
    "move; the default), hospital (readmissions whose labels arrive late: the outcomes "
    "change while the inputs do not) or loan (the fairness gate, then live fairness per "
    "applicant group).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="Where report.json, report.html and the plots go.",
)
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run the story on your own tabular CSV instead of the delivery-ETA example.",
)
@click.option("--target", "target_column", help="With --data: the column to predict.")
@click.option(
    "--task",
    type=click.Choice(["regression", "classification"]),
    help="With --data: the task (default: inferred from the target column).",
)
@click.option(
    "--shift",
    "shifts",
    multiple=True,
    callback=_shift,
    metavar="COL=DELTA_SD",
    help="With --data: shift numeric column COL by DELTA_SD standard deviations in the "
    "drifted traffic. Repeatable.",
)
@click.option(
    "--group",
    "group_column",
    metavar="COL",
    help="With --data: judge the model's fairness across the groups of COL (a protected "
    "attribute, kept out of the features). --shift is then optional: without it the story "
    "ends at the gate's verdict on the first model.",
)
@click.option(
    "--favourable",
    metavar="LABEL",
    help="With --group on a classification target: the label that is the good outcome "
    "(default: 1 of 0/1, True of False).",
)
def demo(
    story_name: str | None,
    out: Path,
    data: Path | None,
    target_column: str | None,
    task: str | None,
    shifts: dict[str, float],
    group_column: str | None,
    favourable: str | None,
) -> None:
    """Tell the whole story on a fresh local cloud, about a minute on a laptop:

    \b
    1. push training data; the pipeline trains v1 and it serves;
    2. traffic flows through the API, with ground truth fed back;
    3. the world changes (the monsoon): traffic drifts;
    4. the scheduled drift check notices and starts retraining on a new
       dataset version that includes the captured traffic;
    5. v2 runs in shadow beside v1, is compared on live feedback and promoted.

    With --story loan, the loan-approval story instead: a candidate trained on decisions
    that held one applicant group back is rejected by the fairness gate, a fair one passes
    and serves, the quality check shows its per-group figures on live traffic, a
    reviewer's approval is recorded and one declined application is explained and replayed.

    With --story hospital, a readmission-risk classifier whose labels arrive an hour late:
    the relationship changes with the inputs unchanged; the quality check sees the live
    accuracy fall while the label-free estimate does not (a changed relationship), alarms
    and retrains with trigger=quality, and the new model recovers.

    With --data CSV --target COL --group COL, the gate also judges the model's fairness
    across the groups of COL; a rejected model ends the story (exit 0), with the verdict.

    Writes report.json, report.html and PNG plots to --out.
    """
    from shadowloop.demo import loan_story, report, story, use_cases

    config = load_from_cdk_json()
    if story_name is not None and data is not None:
        raise CliError("--story tells a built-in story and --data tells yours: use one of them")
    if story_name is not None and (target_column or task or shifts or group_column or favourable):
        raise CliError("--target, --task, --shift, --group and --favourable go with --data CSV")
    workdir = ROOT / ".shadowloop" / "demo"
    if story_name == "loan":
        started = time.monotonic()
        result = loan_story.run(config, workdir=workdir, step=console.print)
        _summary(result, report.write(result, out), started)
        return
    if story_name == "hospital":
        _hospital(config, out)
        return
    if data is not None:
        if not target_column:
            raise CliError("--data needs --target COL, the column to predict")
        if not shifts and not group_column:
            raise CliError(
                "--data needs at least one --shift COL=DELTA_SD to drift the traffic, "
                "or --group COL to judge fairness"
            )
        try:
            use_case = use_cases.from_csv(
                config,
                data,
                target=target_column,
                task=task,
                shifts=shifts,
                group=group_column,
                favourable=favourable,
            )
        except ValueError as exc:
            raise CliError(str(exc)) from None
    elif group_column or favourable:
        raise CliError("--group and --favourable go with --data CSV --target COL")
    else:
        use_case = use_cases.delivery_eta(config)
    started = time.monotonic()
    result = story.run(use_case, workdir=workdir, step=console.print)
    _summary(result, report.write(result, out), started)


def _summary(result: Any, files: dict[str, Path], started: float) -> None:
    version = (result.served_by or {}).get("model_version")
    serving = f"now serving v{version}" if version else "no model serves"
    console.print(
        f"\n[bold]done in {time.monotonic() - started:.0f} s[/]: "
        f"{result.predictions_served} predictions served; {serving}"
    )
    verdict = (result.first_gate or {}).get("fairness")
    if verdict:
        colour = "green" if verdict["decision"] == "pass" else "red"
        figures = ", ".join(
            f"{name.replace('_', ' ')} {value:.3g}"
            for name, value in verdict["figures"].items()
            if value is not None
        )
        console.print(
            f"[bold {colour}]fairness across {verdict['group']}: {verdict['decision']}[/] "
            + ("; ".join(verdict["problems"]) or figures)
        )
        if verdict["insufficient_evidence"]:
            console.print(f"  too few rows to judge: {', '.join(verdict['insufficient_evidence'])}")
    live = result.live_fairness
    if live:
        sizes = ", ".join(f"{k} {v['size']}" for k, v in live["groups"].items())
        console.print(
            f"live fairness across {live['group']}: {live['status']} "
            f"({sizes} labelled applications)"
        )
    for kind, path in files.items():
        console.print(f"  {kind:8} {path}")


def _hospital(config: Config, out: Path) -> None:
    from shadowloop.demo import hospital_report, hospital_story

    started = time.monotonic()
    result = hospital_story.run(config, workdir=ROOT / ".shadowloop" / "demo", step=console.print)
    files = hospital_report.write(result, out)
    version = (result.served_by or {}).get("model_version")
    console.print(
        f"\n[bold]done in {time.monotonic() - started:.0f} s[/]: "
        f"{result.predictions_served} predictions served; ending: {result.ending}; "
        f"now serving v{version}"
    )
    for kind, path in files.items():
        console.print(f"  {kind:8} {path}")
