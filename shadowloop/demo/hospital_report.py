"""The hospital story's report: report.json, two PNG plots per window, report.html."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from shadowloop.demo import report  # noqa: E402
from shadowloop.demo.hospital_story import HospitalStory  # noqa: E402


def write(result: HospitalStory, out: Path) -> dict[str, Path]:
    """Write every report file into ``out``; returns them by kind."""
    out.mkdir(parents=True, exist_ok=True)
    document = report.finite(dataclasses.asdict(result))
    files = {"json": out / "report.json"}
    files["json"].write_text(json.dumps(document, indent=2, default=str))
    checks = document["quality_checks"]
    files["live"] = _plot_live(checks, out / "live_metric_per_window.png")
    files["estimate"] = _plot_estimate(checks, out / "estimate_vs_realized.png")
    files["html"] = _html(document, files, out / "report.html")
    return files


def _hours(checks: list[dict[str, Any]]) -> list[str]:
    return [c["checked_at"][11:16] for c in checks]


def _plot_live(checks: list[dict[str, Any]], path: Path) -> Path:
    """The realized accuracy of each judged window with its interval, and the threshold."""
    figure, axis = plt.subplots(figsize=(8, 4.5))
    labels = _hours(checks)
    judged = [(i, c) for i, c in enumerate(checks) if c["live"] is not None]
    if judged:
        xs = [i for i, _ in judged]
        live = [c["live"] for _, c in judged]
        low = [c["live"] - c["interval"][0] for _, c in judged]
        high = [c["interval"][1] - c["live"] for _, c in judged]
        colours = ["tab:red" if c["status"] == "degraded" else "tab:blue" for _, c in judged]
        axis.errorbar(xs, live, yerr=[low, high], fmt="none", ecolor="grey", capsize=4)
        axis.scatter(xs, live, c=colours, zorder=3, label="live accuracy (red: degraded)")
        axis.step(
            xs,
            [c["reference"] for _, c in judged],
            where="mid",
            color="tab:green",
            label="champion's holdout accuracy",
        )
        axis.step(
            xs,
            [c["threshold"] for _, c in judged],
            where="mid",
            color="tab:red",
            linestyle="--",
            label="alarm threshold",
        )
    axis.set_xticks(range(len(labels)), labels, rotation=45)
    axis.set_xlabel("quality check (simulated hour)")
    axis.set_ylabel("accuracy on the window's labels")
    axis.set_title("Live accuracy per judged window, with its interval")
    axis.legend(fontsize=8)
    return report.save_figure(figure, path)


def _plot_estimate(checks: list[dict[str, Any]], path: Path) -> Path:
    """The label-free estimate beside the realized accuracy, window by window."""
    figure, axis = plt.subplots(figsize=(8, 4.5))
    labels = _hours(checks)
    unlabelled = [
        (i, c["label_free"])
        for i, c in enumerate(checks)
        if c["label_free"]["estimated_accuracy"] is not None
    ]
    if unlabelled:
        axis.plot(
            [i for i, _ in unlabelled],
            [f["estimated_accuracy"] for _, f in unlabelled],
            marker=".",
            color="tab:grey",
            linestyle=":",
            label="estimate on the hour just served (no labels)",
        )
    compared = [
        (i, c["label_free"]["comparison"])
        for i, c in enumerate(checks)
        if c["label_free"]["comparison"] and c["label_free"]["comparison"]["realized"] is not None
    ]
    if compared:
        xs = [i for i, _ in compared]
        estimated = [c["estimated"] for _, c in compared]
        axis.errorbar(
            xs,
            estimated,
            yerr=[c["threshold"] for _, c in compared],
            fmt="o",
            color="tab:blue",
            capsize=4,
            label="estimate on the labelled rows ± gap limit",
        )
        axis.plot(
            xs,
            [c["realized"] for _, c in compared],
            "s",
            color="tab:orange",
            label="realized accuracy",
        )
        for x, c in compared:
            if c["flagged"]:
                axis.annotate(
                    "changed" if c["relationship_changed"] else "flagged",
                    (x, c["realized"]),
                    textcoords="offset points",
                    xytext=(0, -14),
                    ha="center",
                    fontsize=8,
                    color="tab:red",
                )
    axis.set_xticks(range(len(labels)), labels, rotation=45)
    axis.set_xlabel("quality check (simulated hour)")
    axis.set_ylabel("accuracy")
    axis.set_title("Label-free estimate beside the realized accuracy")
    axis.legend(fontsize=8)
    return report.save_figure(figure, path)


def _html(document: dict[str, Any], files: dict[str, Path], path: Path) -> Path:
    rows = "".join(
        f"<tr><td>{c['checked_at']}</td><td>{c['status']}</td><td>{c['labels']}</td>"
        f"<td>{_number(c['live'])}</td><td>{_number(c['label_free']['estimated_accuracy'])}</td>"
        f"<td>{_number((c['label_free']['comparison'] or {}).get('estimated'))}</td>"
        f"<td>{_number((c['label_free']['comparison'] or {}).get('realized'))}</td>"
        f"<td>{'yes' if c['label_free']['relationship_changed'] else ''}</td>"
        f"<td>{html.escape(str(c['skipped_reason'] or ''))}</td></tr>"
        for c in document["quality_checks"]
    )
    runs = "".join(
        f"<tr><td>{html.escape(str(r['run_id']))}</td><td>{r['trigger']}</td>"
        f"<td>{r['status']}</td><td>{r['gate']}</td>"
        f"<td>{html.escape(str(r.get('gate_reason') or ''))}</td></tr>"
        for r in document["pipeline_runs"]
    )
    images = "".join(
        f'<figure><img src="{files[k].name}" alt="{k}"></figure>' for k in ("live", "estimate")
    )
    recovered = document.get("recovered") or {}
    path.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8"><title>shadowloop: hospital</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.2em .6em;
border-bottom:1px solid #ddd}}img{{max-width:100%}}</style></head><body>
<h1>shadowloop: {html.escape(document["use_case"])}</h1>
<p>{document["predictions_served"]} predictions served; {document["feedback_sent"]} outcomes
sent back {document["label_delay_minutes"]} minutes after their prediction. The relationship
changed at {html.escape(str(document["change_at"]))}. Ending: {html.escape(document["ending"])};
the new champion's live accuracy {_number(recovered.get("live"))} against its holdout
{_number(recovered.get("reference"))}.</p>
{images}
<h2>Quality checks</h2><table><tr><th>checked at</th><th>status</th><th>labels</th>
<th>live accuracy</th><th>estimate (all rows)</th><th>estimate (labelled)</th>
<th>realized</th><th>relationship changed</th><th>no run because</th></tr>{rows}</table>
<h2>Pipeline runs</h2><table><tr><th>run</th><th>trigger</th><th>status</th><th>gate</th>
<th>gate reason</th></tr>{runs}</table>
</body></html>"""
    )
    return path


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else ""
