"""What one promotion check reads: only the hours not yet folded into the stored tally.

A pair (one request's champion and challenger predictions) belongs to the hour of its
champion prediction. Labels come after predictions, so an hour stays open, read again by
every run, until it is ``label_horizon_hours`` old; the first run after that folds it
into the stored tally (:mod:`lambdas.promotion_check.state`) and never reads it again.
A label that arrives later than the horizon is therefore not counted. Per-run work is
bounded by the horizon, not by the hours since the challenger was deployed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.promotion_check import decision as decisions
from lambdas.promotion_check import state as st
from lambdas.promotion_check.tally import Tally
from lambdas.shared.capture import Skipped, inference_time, read_captures
from lambdas.shared.endpoint_state import CHALLENGER, CHAMPION
from lambdas.shared.feedback import read_feedback

# How far apart a request's champion and shadow captures, or its feedback hour (the API's
# clock) and its capture (SageMaker's), may lie: the reads reach this far before the open
# hours so a pair straddling an hour boundary is still joined.
CLOCK_SKEW = timedelta(minutes=5)
# The most hours past the horizon one run folds. A longer backlog (no state yet for a
# challenger deployed long ago, or days without a run) is folded over several runs, each
# bounded, which wait meanwhile: one run reading it all could time out, and then so would
# every run after it.
CATCH_UP = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """Where the check reads: the challenger's shadow life and the part still open."""

    endpoint_config_name: str
    start: datetime
    end: datetime
    horizon: timedelta


@dataclass(frozen=True)
class Evidence:
    """The tally of the whole window, and what this run read and stored to get it."""

    tally: Tally
    folded_until: datetime
    saved: bool
    skipped: Skipped
    feedback: int
    catching_up: bool = False
    """A backlog is being folded: the tally ends there, the later hours come in later runs."""


def gather(clients: Any, config: Any, window: Window) -> Evidence:
    """Stored tally + this run's tally of the open hours; fold the hours past the horizon."""
    s3 = clients.s3
    folded = st.load(s3, config.artifact_bucket, window.endpoint_config_name, window.start)
    skipped = Skipped()
    if folded.unreadable:
        skipped.add(folded.unreadable)
    fold_to = max(folded.until, hour_floor(window.end - window.horizon))
    limit = hour_floor(folded.until) + CATCH_UP
    catching_up = fold_to > limit
    if catching_up:
        fold_to, window = limit, replace(window, end=limit)
    closing, still_open, feedback = read_open(
        clients, config, skipped, window, open_start=folded.until, fold_to=fold_to
    )
    saved = fold_to > folded.until and st.save(
        s3,
        config.artifact_bucket,
        window.endpoint_config_name,
        read=folded,
        start=window.start,
        until=fold_to,
        tally=folded.tally.merge(closing),
    )
    return Evidence(
        folded.tally.merge(closing).merge(still_open),
        fold_to if saved else folded.until,
        saved,
        skipped,
        feedback,
        catching_up,
    )


def read_open(
    clients: Any,
    config: Any,
    skipped: Skipped,
    window: Window,
    *,
    open_start: datetime,
    fold_to: datetime,
) -> tuple[Tally, Tally, int]:
    """Tallies of the pairs in (open_start, fold_to] and (fold_to, end], and labels read."""
    spec = config.model_spec
    s3 = clients.s3
    champion = _predictions(s3, config, CHAMPION, skipped, open_start, window.end)
    challenger = _predictions(
        s3,
        config,
        CHALLENGER,
        skipped,
        max(window.start, open_start - CLOCK_SKEW),
        window.end + CLOCK_SKEW,
    )
    actuals = read_feedback(
        clients.dynamodb,
        config.inference_table,
        skipped,
        start=open_start - CLOCK_SKEW,
        end=window.end,
        wanted=champion.keys() & challenger.keys(),
    )
    shadow = {i: p for i, (p, _) in challenger.items()}
    tallies = []
    for low, high in ((open_start, fold_to), (fold_to, window.end)):
        part = {i: p for i, (p, t) in champion.items() if low < t <= high}
        captured = {
            CHAMPION: len(part),
            CHALLENGER: sum(low < t <= high for _, t in challenger.values()),
        }
        joined = decisions.join(spec.task, {CHAMPION: part, CHALLENGER: shadow}, actuals)
        tallies.append(Tally.of(spec.task, spec.metric, joined, captured))
    return tallies[0], tallies[1], len(actuals)


def _predictions(
    s3: Any, config: Any, variant: str, skipped: Skipped, start: datetime, end: datetime
) -> dict[str, tuple[Any, datetime]]:
    """A variant's prediction and its time by inference id, in (start, end]; only those kept."""
    if end <= start:
        return {}
    records = read_captures(
        s3, config.capture_bucket, config.endpoint_name, variant, skipped, start=start, end=end
    )
    # read_captures yields only records with a readable time.
    return {r.inference_id: (r.output, inference_time(r)) for r in records}  # type: ignore[misc]


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
