"""Joining captured production inputs with feedback into new dataset rows."""

from lambdas.prepare_retraining_data.retraining import JoinStats, append_rows, join_feedback
from lambdas.shared.capture import CapturedRecord
from tests.unit.pipeline.data import COLUMNS, SPEC, TARGET, records, rows, to_csv


def captured(inference_id, features):
    return CapturedRecord(inference_id, features, 30.0, "2026-01-01T10:00:00Z")


def test_only_labelled_complete_new_records_join_once_in_capture_order():
    features = {k: v for k, v in rows(1)[0].items() if k != TARGET}
    partial = {"distance_km": 2.0}
    stream = [
        captured("b", features),
        captured("a", features),
        captured("b", features),
        captured("old", features),
        captured("nolabel", features),
        captured("partial", partial),
    ]
    feedback = {"a": 31.0, "b": 29.5, "old": 12.0, "partial": 3.0}
    stats = JoinStats()

    joined = join_feedback(
        stream, feedback, features=SPEC.feature_names, exclude={"old"}, stats=stats
    )

    assert [(row.inference_id, row.actual) for row in joined] == [("b", 29.5), ("a", 31.0)]
    assert (stats.already_included, stats.unlabelled, stats.incomplete) == (1, 1, 1)


def test_appended_rows_follow_the_header_order_and_keep_the_base_bytes():
    base = to_csv(rows(3))
    header = list(reversed(COLUMNS))
    features = {k: v for k, v in rows(1, seed=99)[0].items() if k != TARGET}
    joined = join_feedback(
        [captured("x", features)],
        {"x": 42.5},
        features=SPEC.feature_names,
        exclude=set(),
        stats=JoinStats(),
    )

    out = append_rows(base.rstrip(b"\n"), header, TARGET, joined)

    assert out.startswith(base)
    last = records(out)[-1]
    assert last[0] == "42.5"
    assert last[header.index("city_zone")] == features["city_zone"]
    assert len(records(out)) == 5
