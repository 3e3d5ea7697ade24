"""The demo's report: report.json, PNG plots drawn from the run's data, and report.html."""

from __future__ import annotations

import dataclasses
import html
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from shadowloop.demo.story import Story  # noqa: E402

DRIFT_SCORE = {"numeric": "wasserstein", "categorical": "js"}


def write(story: Story, out: Path) -> dict[str, Path]:
    """Write every report file into ``out``; returns them by kind."""
    out.mkdir(parents=True, exist_ok=True)
    document = to_json(story)
    files = {"json": out / "report.json"}
    files["json"].write_text(json.dumps(document, indent=2, default=_jsonable))
    files["drift"] = _plot_drift(document["drift_checks"], out / "drift_per_feature.png")
    files["metrics"] = _plot_metrics(document["pipeline_runs"], out / "metric_per_version.png")
    files["shadow"] = _plot_shadow(document["promotions"], out / "champion_vs_shadow.png")
    if document.get("candidate_fairness") or document.get("live_fairness"):
        files["fairness"] = _plot_fairness(document, out / "fairness_per_group.png")
    files["html"] = _html(document, files, out / "report.html")
    return files


def to_json(story: Story) -> dict[str, Any]:
    document = dataclasses.asdict(story)
    document["drift_checks"] = [_drift_entry(c) for c in story.drift_checks or []]
    return finite(document)


def finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: a statistic that could not be computed is null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def _drift_entry(report: dict[str, Any]) -> dict[str, Any]:
    features = {}
    for name, stats in (report.get("features") or {}).items():
        features[name] = {
            key: stats.get(key)
            for key in (
                "type",
                "psi",
                "js",
                "wasserstein",
                "ks",
                "linf",
                "unseen_share",
                "drifted",
                "status",
            )
            if key in stats
        }
    return {
        "window": report.get("window"),
        "status": report.get("status"),
        "rows": report.get("rows"),
        "drifted": bool(report.get("drifted")),
        "drift_share": report.get("drift_share"),
        "features": features,
        "retrain_started": bool(report.get("retrain_started")),
        "skipped_reason": report.get("skipped_reason"),
    }


def _plot_drift(checks: list[dict[str, Any]], path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(8, 4.5))
    names = sorted({n for c in checks for n in c["features"]})
    for name in names:
        values = []
        for check in checks:
            stats = check["features"].get(name, {})
            score = stats.get(DRIFT_SCORE.get(stats.get("type", "numeric"), "wasserstein"))
            values.append(score if isinstance(score, (int, float)) else math.nan)
        axis.plot(range(1, len(checks) + 1), values, marker="o", label=name)
    axis.axhline(0.1, color="grey", linestyle="--", linewidth=1, label="threshold 0.1")
    axis.set_xlabel("drift check")
    axis.set_ylabel("drift score (numeric: normalised Wasserstein, categorical: JS)")
    axis.set_title("Drift per feature over the scheduled checks")
    axis.set_xticks(range(1, len(checks) + 1))
    axis.legend(fontsize=7, ncol=2)
    return save_figure(figure, path)


def _plot_metrics(runs: list[dict[str, Any]], path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(7, 4))
    labels, values, colours = [], [], []
    for run in runs:
        value = (run.get("metrics") or {}).get("candidate")
        if not isinstance(value, (int, float)):
            continue
        version = run.get("model_version")
        labels.append(
            f"v{version} ({run['trigger']})" if version else f"rejected ({run['trigger']})"
        )
        values.append(value)
        colours.append("tab:green" if run.get("gate") == "pass" else "tab:red")
    axis.bar(labels, values, color=colours)
    metric = next((r["metrics"].get("metric") for r in runs if r.get("metrics")), "metric")
    axis.set_ylabel(f"{metric} on the run's holdout")
    axis.set_title("Primary metric per model version")
    for index, value in enumerate(values):
        axis.annotate(f"{value:.2f}", (index, value), ha="center", va="bottom")
    return save_figure(figure, path)


def _plot_shadow(promotions: list[dict[str, Any]], path: Path) -> Path:
    figure, axis = plt.subplots(figsize=(6, 4))
    decided = [p for p in promotions if p.get("decision") not in (None, "none")]
    if decided:
        last = decided[-1]["evidence"]
        champion = (last.get("champion") or {}).get("metric")
        challenger = (last.get("challenger") or {}).get("metric")
        axis.bar(
            ["champion", "challenger (shadow)"],
            [champion or 0, challenger or 0],
            color=["tab:blue", "tab:orange"],
        )
        axis.set_title(f"On {last.get('labelled')} labelled requests: {decided[-1]['decision']}")
        axis.set_ylabel("primary metric on live traffic with feedback")
    else:
        axis.text(0.5, 0.5, "no comparison yet", ha="center", va="center")
        axis.set_axis_off()
    return save_figure(figure, path)


def _fairness_sources(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, per-group figures) for each candidate's holdout and for live traffic."""
    sources = [
        (f"{'passed' if c['decision'] == 'pass' else 'rejected'} candidate (holdout)", c["groups"])
        for c in document.get("candidate_fairness") or []
        if c.get("groups")
    ]
    live = document.get("live_fairness")
    if live and live.get("groups"):
        sources.append(("serving model (live traffic)", live["groups"]))
    return sources


def _plot_fairness(document: dict[str, Any], path: Path) -> Path:
    sources = _fairness_sources(document)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    groups = sorted({g for _, entries in sources for g in entries})
    width = 0.8 / max(len(sources), 1)
    for axis, (name, title) in zip(
        axes, (("selection_rate", "selection rate"), ("tpr", "true-positive rate")), strict=True
    ):
        for index, (label, entries) in enumerate(sources):
            values = [(entries.get(g) or {}).get(name) for g in groups]
            axis.bar(
                [i + index * width for i in range(len(groups))],
                [v if isinstance(v, (int, float)) else 0 for v in values],
                width=width,
                label=label,
            )
        axis.set_xticks([i + width * (len(sources) - 1) / 2 for i in range(len(groups))])
        axis.set_xticklabels(groups)
        axis.set_title(f"{title} per group")
    axes[0].legend(fontsize=7)
    return save_figure(figure, path)


RATES = ("selection_rate", "tpr", "fpr", "metric")


def _fairness_html(document: dict[str, Any]) -> str:
    sources = _fairness_sources(document)
    if not sources:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{html.escape(group)}</td><td>{e.get('size')}</td>"
        f"<td>{e.get('status')}</td>"
        + "".join(f"<td>{_number(e.get(k))}</td>" for k in RATES)
        + "</tr>"
        for label, entries in sources
        for group, e in entries.items()
    )
    live = document.get("live_fairness") or {}
    verdict = (
        f"<p>Live fairness across <code>{html.escape(str(live.get('group')))}</code>: "
        f"{html.escape(str(live.get('status')))} "
        f"{html.escape('; '.join(live.get('problems') or []))} (window "
        f"{html.escape(json.dumps(live.get('window')))})</p>"
        if live
        else ""
    )
    return (
        "<h2>Fairness per group</h2><table><tr><th>model</th><th>group</th><th>size</th>"
        "<th>status</th><th>selection rate</th><th>TPR</th><th>FPR</th><th>metric</th></tr>"
        f"{rows}</table>{verdict}"
    )


def _audit_html(document: dict[str, Any]) -> str:
    """The manual approval and one explained prediction, when the story recorded them."""
    decided, explained = document.get("approval"), document.get("explained")
    parts = []
    if decided:
        parts.append(
            f"<p>Version {decided.get('version')} "
            f"{html.escape(str(decided.get('approval_status')))}"
            f" by <code>{html.escape(str(decided.get('approved_by')))}</code> at "
            f"{html.escape(str(decided.get('approved_at')))}: "
            f"{html.escape(str(decided.get('approval_reason')))}</p>"
        )
    if explained:
        lineage = (explained.get("model") or {}).get("lineage") or {}
        replayed = explained.get("replay") or {}
        parts.append(
            f"<p>Inference <code>{html.escape(str(explained.get('inference_id')))}</code>: "
            f"answered {html.escape(json.dumps(explained.get('prediction')))} by the "
            f"{html.escape(str(explained.get('variant')))} (dataset version "
            f"<code>{html.escape(str(explained.get('version_id')))}</code>, run "
            f"<code>{html.escape(str(lineage.get('run_id')))}</code>); replayed on "
            f"<code>{html.escape(str(replayed.get('model_data_url')))}</code>: "
            f"{'reproduced' if replayed.get('reproduced') else 'not reproduced'}</p>"
            f"<pre>{html.escape(json.dumps(explained.get('input'), indent=1))}</pre>"
        )
    return "<h2>Audit</h2>" + "".join(parts) if parts else ""


def _number(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else ""


def save_figure(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _html(document: dict[str, Any], files: dict[str, Path], path: Path) -> Path:
    rows = "".join(
        f"<tr><td>{html.escape(str(r.get('run_id')))}</td><td>{r.get('trigger')}</td>"
        f"<td>{r.get('status')}</td><td>{r.get('gate')}</td>"
        f"<td>{html.escape(str(r.get('gate_reason') or ''))}</td>"
        f"<td>{html.escape(str(r.get('version_id')))}</td>"
        f"<td>{r.get('model_version') or ''}</td></tr>"
        for r in document["pipeline_runs"] or []
    )
    checks = "".join(
        f"<tr><td>{html.escape(json.dumps(c.get('window')))}</td><td>{c['drifted']}</td>"
        f"<td>{c.get('drift_share')}</td><td>{c['retrain_started']}</td></tr>"
        for c in document["drift_checks"]
    )
    images = "".join(
        f'<figure><img src="{files[k].name}" alt="{k}"></figure>'
        for k in ("drift", "metrics", "shadow", "fairness")
        if k in files
    )
    fairness = _fairness_html(document) + _audit_html(document)
    serving = (document.get("served_by") or {}).get("model_package_arn")
    path.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8"><title>shadowloop demo</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.2em .6em;
border-bottom:1px solid #ddd}}img{{max-width:100%}}</style></head><body>
<h1>shadowloop: {html.escape(document["use_case"])}</h1>
<p>{document["predictions_served"]} predictions served, {document["feedback_sent"]} outcomes
fed back. Serving now: <code>{html.escape(str(serving))}</code></p>
<h2>Pipeline runs</h2><table><tr><th>run</th><th>trigger</th><th>status</th><th>gate</th>
<th>gate reason</th>
<th>dataset version</th><th>model version</th></tr>{rows}</table>
<h2>Drift checks</h2><table><tr><th>window</th><th>drifted</th><th>drift share</th>
<th>retrain started</th></tr>{checks}</table>
{fairness}
{images}
</body></html>"""
    )
    return path


def _jsonable(value: Any) -> Any:
    return str(value)
