"""The scheduled drift check on moto: reports in S3 and the retraining it starts, or not."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from lambdas.drift_check.handler import handler
from lambdas.drift_check.settings import settings as drift_settings
from lambdas.drift_check.window import STATE_KEY
from lambdas.shared import capture, clients, endpoint_state, retraining
from lambdas.shared.drift import build_baseline
from lambdas.shared.settings import Feature
from shadowloop.localcloud.faults import s3_slow_down
from tests.integration.corrupt_captures import REASONS, corrupt_line
from tests.integration.races import Race

ENDPOINT = "shadowloop-dev"
SPEC = {
    "dataset": "delivery-eta",
    "target": "delivery_minutes",
    "task": "regression",
    "metric": "rmse",
    "direction": "minimize",
    "segment": None,
    "features": [
        {"name": "distance_km", "type": "numeric", "critical": True},
        {"name": "rain_mm", "type": "numeric", "critical": False},
        {"name": "city_zone", "type": "categorical", "critical": False},
    ],
}
WINDOW_END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BASELINE_KEY = "runs/r1/baseline/statistics.json"
ROLE = "arn:aws:iam::123456789012:role/shadowloop"


@dataclass
class Context:
    function_name: str = "drift-check"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:drift-check"
    aws_request_id: str = "req-1"


@dataclass
class Aws:
    s3: object
    sagemaker: object
    sfn: object
    state_machine_arn: str
    package_arn: str

    def executions(self):
        return self.sfn.list_executions(stateMachineArn=self.state_machine_arn)["executions"]

    def report(self, window_end=WINDOW_END):
        key = f"monitoring/drift/reports/{window_end:%Y-%m-%dT%H:%M:%SZ}.json"
        return json.loads(self.s3.get_object(Bucket="artifacts", Key=key)["Body"].read())


def deliveries(n, *, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    return {
        "distance_km": (rng.gamma(4.0, 1.5, n) + shift * 3.0).round(3).tolist(),
        "rain_mm": (rng.exponential(2.0, n) + shift * 2.0).round(2).tolist(),
        "city_zone": rng.choice(["north", "south", "east"], n).tolist(),
    }


@pytest.fixture(scope="module")
def baseline():
    features = [Feature(**f) for f in SPEC["features"]]
    return json.dumps(build_baseline([deliveries(20_000, seed=1)], features))


@pytest.fixture
def aws(monkeypatch, baseline, function_environment, atomic_s3):
    monkeypatch.setenv("MODEL_SPEC", json.dumps(SPEC))
    function_environment(
        "drift_check",
        MODEL_SPEC_URI=None,
        CAPTURE_BUCKET="captures",
        ARTIFACT_BUCKET="artifacts",
        ENDPOINT_NAME=ENDPOINT,
        STATE_MACHINE_ARN="set below, once the state machine exists",
        DRIFT_THRESHOLDS=json.dumps({"psi_warn": 0.1, "psi_alert": 0.2, "drift_share": 0.5}),
        DRIFT_MIN_ROWS="200",
        DRIFT_COOLDOWN_MINUTES="360",
    )
    with mock_aws():
        s3, sagemaker, sfn = (
            boto3.client("s3"),
            boto3.client("sagemaker"),
            boto3.client("stepfunctions"),
        )
        for bucket in ("captures", "artifacts"):
            s3.create_bucket(Bucket=bucket)
        features = [Feature(**f) for f in SPEC["features"]]
        baseline = build_baseline([deliveries(20_000, seed=1)], features)
        s3.put_object(
            Bucket="artifacts", Key="runs/r1/baseline/statistics.json", Body=json.dumps(baseline)
        )
        package_arn = champion_endpoint(
            sagemaker, "s3://artifacts/runs/r1/baseline/statistics.json"
        )
        definition = {"StartAt": "Train", "States": {"Train": {"Type": "Pass", "End": True}}}
        machine = sfn.create_state_machine(
            name="pipeline", definition=json.dumps(definition), roleArn=ROLE
        )
        monkeypatch.setenv("STATE_MACHINE_ARN", machine["stateMachineArn"])
        yield Aws(s3, sagemaker, sfn, machine["stateMachineArn"], package_arn)


def champion_endpoint(sagemaker, baseline_uri):
    """endpoint → config → model → model package carrying baseline_uri."""
    sagemaker.create_model_package_group(ModelPackageGroupName="delivery-eta")
    package_arn = sagemaker.create_model_package(
        ModelPackageGroupName="delivery-eta",
        CustomerMetadataProperties={"baseline_uri": baseline_uri} if baseline_uri else {},
        InferenceSpecification={
            "Containers": [
                {"Image": "sklearn:1.9-0", "ModelDataUrl": "s3://artifacts/model.tar.gz"}
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    sagemaker.create_model(
        ModelName="champion-model",
        ExecutionRoleArn=ROLE,
        Containers=[{"ModelPackageName": package_arn}],
    )
    variant = {
        "VariantName": "champion",
        "ModelName": "champion-model",
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sagemaker.create_endpoint_config(EndpointConfigName="config-1", ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="config-1")
    return package_arn


def put_captures(s3, columns, *, at, batch=50, extra_lines=()):
    """Captured requests of ``batch`` instances each, all at ``at``, in one capture file."""
    n = len(next(iter(columns.values())))
    lines = list(extra_lines)
    for start in range(0, n, batch):
        instances = [
            {k: v[i] for k, v in columns.items()} for i in range(start, min(n, start + batch))
        ]
        ids = [str(uuid.uuid4()) for _ in instances]
        request = {"instances": instances, "inference_ids": ids}
        response = {"predictions": [30.0] * len(instances)}
        lines.append(
            capture.encode_line(
                request, response, event_id=ids[0], inference_id=ids[0], inference_time=at
            )
        )
    key = f"capture/{ENDPOINT}/champion/{at:%Y/%m/%d/%H}/{uuid.uuid4()}.jsonl"
    s3.put_object(Bucket="captures", Key=key, Body="\n".join(lines).encode())
    return key


def report_key(window_end):
    return f"monitoring/drift/reports/{window_end:%Y-%m-%dT%H:%M:%SZ}.json"


def emf_blobs(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


def run(window_end=WINDOW_END):
    return handler({"window_end": window_end.isoformat()}, Context())


def test_drifted_captures_start_one_retraining_run(aws):
    # Given an hour of shifted traffic on the champion
    put_captures(
        aws.s3, deliveries(1_500, seed=2, shift=0.6), at=WINDOW_END - timedelta(minutes=30)
    )

    # When the scheduled check runs
    result = run()

    # Then the report says drifted and the pipeline started with trigger drift
    report = aws.report()
    assert report["drifted"] is True and report["rows"] == 1_500
    assert report["features"]["distance_km"]["drifted"] is True
    assert report["champion_model_package_arn"] == aws.package_arn
    assert report["window"] == {
        "start": "2026-11-23T06:00:00Z",
        "end": "2026-11-23T12:00:00Z",
        "checked_at": "2026-11-23T12:00:00Z",
    }
    assert report["retrain_started"] is True and result["retrain_started"] is True
    [execution] = aws.executions()
    assert execution["name"] == "drift-20261123T120000"
    started = aws.sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(started["input"]) == {
        "dataset": "delivery-eta",
        "version_id": None,
        "trigger": "drift",
    }


def test_same_distribution_starts_nothing(aws):
    put_captures(aws.s3, deliveries(1_500, seed=3), at=WINDOW_END - timedelta(minutes=10))

    run()

    report = aws.report()
    assert report["status"] == "ok" and report["drifted"] is False
    assert report["skipped_reason"] == "no_drift"
    assert aws.executions() == []


def test_a_running_pipeline_means_no_second_run(aws):
    aws.sfn.start_execution(stateMachineArn=aws.state_machine_arn, name="manual-1", input="{}")
    put_captures(
        aws.s3, deliveries(1_500, seed=4, shift=0.6), at=WINDOW_END - timedelta(minutes=10)
    )

    run()

    assert aws.report()["skipped_reason"] == "pipeline_running"
    assert [e["name"] for e in aws.executions()] == ["manual-1"]


def test_drift_within_the_cooldown_starts_nothing(aws):
    # Given a drift-triggered run one hour ago, and its execution finished since
    first_end = WINDOW_END - timedelta(hours=1)
    put_captures(aws.s3, deliveries(1_500, seed=5, shift=0.6), at=first_end - timedelta(minutes=10))
    run(first_end)
    [first] = aws.executions()
    aws.sfn.stop_execution(executionArn=first["executionArn"])

    # When the next window drifts too
    put_captures(
        aws.s3, deliveries(1_500, seed=6, shift=0.6), at=WINDOW_END - timedelta(minutes=10)
    )
    run()

    # Then the cooldown holds it back
    report = aws.report()
    assert report["drifted"] is True and report["skipped_reason"] == "cooldown"
    assert report["window"]["start"] == "2026-11-23T11:00:00Z"
    assert len(aws.executions()) == 1


def test_two_checks_of_the_same_window_start_exactly_one_run(aws):
    put_captures(
        aws.s3, deliveries(1_500, seed=7, shift=0.6), at=WINDOW_END - timedelta(minutes=10)
    )

    run()
    run()

    assert [e["name"] for e in aws.executions()] == ["drift-20261123T120000"]


def test_racing_checks_share_the_deterministic_execution(aws):
    # Both checks passed their guards before either started the pipeline.
    settings = drift_settings()
    arn, dataset = settings.state_machine_arn, settings.spec.dataset

    first = retraining.start(aws.sfn, arn, dataset, "drift", WINDOW_END)
    second = retraining.start(aws.sfn, arn, dataset, "drift", WINDOW_END)

    assert first == second
    assert [e["name"] for e in aws.executions()] == ["drift-20261123T120000"]


def test_malformed_capture_lines_are_skipped_and_counted(aws):
    put_captures(
        aws.s3,
        deliveries(300, seed=9),
        at=WINDOW_END - timedelta(minutes=5),
        extra_lines=["{not json", json.dumps({"captureData": {}})],
    )

    run()

    report = aws.report()
    assert report["records_skipped"] == 2
    assert report["rows"] == 300


def test_captures_outside_the_window_are_ignored(aws):
    put_captures(aws.s3, deliveries(300, seed=10), at=WINDOW_END - timedelta(minutes=5))
    put_captures(aws.s3, deliveries(300, seed=11, shift=2.0), at=WINDOW_END + timedelta(minutes=5))

    run()

    assert aws.report()["rows"] == 300


def test_an_insufficient_window_keeps_accumulating(aws):
    # Given a checked window that ended an hour ago, then 150 rows: too few to judge
    earlier = WINDOW_END - timedelta(hours=1)
    put_captures(aws.s3, deliveries(300, seed=16), at=earlier - timedelta(minutes=30))
    assert run(earlier)["status"] == "ok"
    put_captures(aws.s3, deliveries(150, seed=12), at=WINDOW_END - timedelta(minutes=50))
    run(WINDOW_END - timedelta(minutes=30))
    assert aws.report(WINDOW_END - timedelta(minutes=30))["status"] == "insufficient_data"

    # When 150 more arrive and the next check runs
    put_captures(aws.s3, deliveries(150, seed=13), at=WINDOW_END - timedelta(minutes=10))
    run()

    # Then the window still starts where the first did and holds all 300 rows
    report = aws.report()
    assert report["status"] == "ok" and report["rows"] == 300
    assert report["window"]["start"] == "2026-11-23T11:00:00Z"


def test_an_insufficient_window_of_the_maximum_length_is_left_behind(aws):
    # Given 150 rows in the first window, which is already the longest a check reads
    put_captures(aws.s3, deliveries(150, seed=17), at=WINDOW_END - timedelta(hours=5))
    first = run()
    assert first["status"] == "insufficient_data"
    assert first["window"]["start"] == "2026-11-23T06:00:00Z"

    # When 300 rows arrive in the next hour
    later = WINDOW_END + timedelta(hours=1)
    put_captures(aws.s3, deliveries(300, seed=18), at=later - timedelta(minutes=10))
    run(later)

    # Then the next window starts where the full one ended: it never grows past the maximum
    report = aws.report(later)
    assert report["status"] == "ok" and report["rows"] == 300
    assert report["window"]["start"] == "2026-11-23T12:00:00Z"


def stored_bytes(aws, key):
    return aws.s3.get_object(Bucket="artifacts", Key=key)["Body"].read()


STATE = "monitoring/drift/state.json"


def serving(aws):
    """The model package the endpoint's production variant serves."""
    return endpoint_state.describe(aws.sagemaker, ENDPOINT).champion.model_package_arn


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda s3: s3.delete_object(Bucket="artifacts", Key=BASELINE_KEY), "cannot be read"),
        (
            lambda s3: s3.put_object(Bucket="artifacts", Key=BASELINE_KEY, Body=b'{"features": ['),
            "corrupt",
        ),
    ],
    ids=["missing", "corrupt"],
)
def test_an_unusable_baseline_stops_the_check_and_keeps_what_was_stored(
    aws, capsys, damage, reason
):
    # Given a checked window, then a baseline that is gone or unreadable, and drifted traffic
    earlier = WINDOW_END - timedelta(hours=1)
    put_captures(aws.s3, deliveries(300, seed=19), at=earlier - timedelta(minutes=10))
    run(earlier)
    state, report = stored_bytes(aws, STATE), stored_bytes(aws, report_key(earlier))
    damage(aws.s3)
    put_captures(
        aws.s3, deliveries(1_500, seed=14, shift=0.6), at=WINDOW_END - timedelta(minutes=10)
    )

    # When the next check runs
    with pytest.raises(RuntimeError, match=reason):
        run()

    # Then nothing started, the endpoint serves the champion, state and report are untouched,
    # the failed window has no report, and the BaselineUnavailable metric says why
    assert aws.executions() == []
    assert serving(aws) == aws.package_arn
    assert stored_bytes(aws, STATE) == state
    assert stored_bytes(aws, report_key(earlier)) == report
    with pytest.raises(aws.s3.exceptions.NoSuchKey):
        aws.s3.get_object(Bucket="artifacts", Key=report_key(WINDOW_END))
    blobs = emf_blobs(capsys)
    assert [b["BaselineUnavailable"] for b in blobs if "BaselineUnavailable" in b] == [[1.0]]


def test_drift_metrics_are_published_per_feature(aws, capsys):
    put_captures(
        aws.s3, deliveries(1_500, seed=15, shift=0.6), at=WINDOW_END - timedelta(minutes=10)
    )

    run()

    blobs = emf_blobs(capsys)
    dataset = next(b for b in blobs if "DatasetDrifted" in b)
    assert dataset["DatasetDrifted"] == [1.0] and dataset["RowsChecked"] == [1_500.0]
    drifted = {b["Feature"]: b["FeatureDrifted"][0] for b in blobs if "FeatureDrifted" in b}
    assert drifted == {"distance_km": 1.0, "rain_mm": 1.0, "city_zone": 0.0}


def test_no_endpoint_yet_means_nothing_to_check(aws):
    aws.sagemaker.delete_endpoint(EndpointName=ENDPOINT)

    assert run() == {"status": "no_endpoint"}
    assert aws.executions() == []


@pytest.mark.parametrize("racers", [2, 10])
def test_racing_checks_of_one_window_keep_the_cooldown_and_one_report(aws, caplog, racers):
    # Given a drifted hour, and racing checks of the same window that all read the state
    # before any of them writes
    put_captures(
        aws.s3, deliveries(1_500, seed=20, shift=0.6), at=WINDOW_END - timedelta(minutes=10)
    )
    race = Race(racers)

    # When they run at once
    results = race.run(run, racers)

    # Then one run started, every racer names it, and the losers' writes were refused
    [execution] = aws.executions()
    assert {r["retrain_execution_arn"] for r in results} == {execution["executionArn"]}
    assert sorted(r["outcome"] for r in results) == ["checked"] + ["duplicate"] * (racers - 1)
    assert race.lost.count("PreconditionFailed") >= racers - 1
    # the state keeps the cooldown, the one report says a run started
    state = json.loads(stored_bytes(aws, STATE))
    assert state == {
        "last_window_end": "2026-11-23T12:00:00Z",
        "last_retrain_started_at": "2026-11-23T12:00:00Z",
    }
    report = aws.report()
    assert report["retrain_started"] is True
    assert report["retrain_execution_arn"] == execution["executionArn"]
    # the endpoint still serves the champion; the duplicates are logged as such
    assert serving(aws) == aws.package_arn
    assert caplog.messages.count("drift check: event already checked") == racers - 1

    # And an hour later, drift again is held back by the cooldown the racers kept
    aws.sfn.stop_execution(executionArn=execution["executionArn"])
    later = WINDOW_END + timedelta(hours=1)
    put_captures(aws.s3, deliveries(1_500, seed=21, shift=0.6), at=later - timedelta(minutes=10))
    assert run(later)["skipped_reason"] == "cooldown"
    assert len(aws.executions()) == 1


def test_a_repeated_event_returns_the_stored_report_and_changes_nothing(aws, capsys):
    # Given a checked window
    put_captures(aws.s3, deliveries(1_500, seed=22), at=WINDOW_END - timedelta(minutes=10))
    first = run()
    state, report = stored_bytes(aws, STATE), stored_bytes(aws, report_key(WINDOW_END))
    capsys.readouterr()

    # When the same schedule event is delivered again, after drifted traffic arrived
    put_captures(
        aws.s3, deliveries(1_500, seed=23, shift=0.6), at=WINDOW_END - timedelta(minutes=5)
    )
    again = run()

    # Then it answers with the stored verdict as a duplicate, and writes and starts nothing
    assert again["outcome"] == "duplicate" and first["outcome"] == "checked"
    assert again["status"] == "ok" and again["window"] == first["window"]
    assert stored_bytes(aws, report_key(WINDOW_END)) == report
    assert stored_bytes(aws, STATE) == state
    assert aws.executions() == []
    assert serving(aws) == aws.package_arn
    assert [b["DuplicateChecks"] for b in emf_blobs(capsys) if "DuplicateChecks" in b] == [[1.0]]


def test_checks_after_a_failing_stretch_catch_up_in_bounded_windows(aws, monkeypatch):
    # Given a two-hour maximum window and 300 captured rows every hour
    monkeypatch.setenv("MAX_WINDOW_HOURS", "2")
    hour = timedelta(hours=1)
    captured = {
        put_captures(aws.s3, deliveries(300, seed=30 + i), at=at): at
        for i, at in enumerate(WINDOW_END + k * hour - timedelta(minutes=30) for k in range(-2, 12))
    }
    read = []
    clients.s3().meta.events.register(
        "before-parameter-build.s3.GetObject",
        lambda params, **_: read.append(params["Key"]) if params["Bucket"] == "captures" else None,
    )
    assert run()["window"]["start"] == "2026-11-23T10:00:00Z"

    # When the check fails for five hours (its baseline is gone) and then works again
    baseline = stored_bytes(aws, BASELINE_KEY)
    aws.s3.delete_object(Bucket="artifacts", Key=BASELINE_KEY)
    for k in range(1, 6):
        with pytest.raises(RuntimeError, match="cannot be read"):
            run(WINDOW_END + k * hour)
    aws.s3.put_object(Bucket="artifacts", Key=BASELINE_KEY, Body=baseline)
    windows = []
    for k in range(6, 12):
        read.clear()
        report = run(WINDOW_END + k * hour)
        windows.append((report["window"]["start"][11:16], report["window"]["end"][11:16]))
        start, end = (datetime.fromisoformat(report["window"][e]) for e in ("start", "end"))
        # Then each check reads only the capture hours of its window, two hours at most
        assert end - start <= 2 * hour
        expected = {key for key, at in captured.items() if start <= at.replace(minute=0) <= end}
        assert set(read) == expected
        inside = [at for at in captured.values() if start < at <= end]
        assert report["rows"] == 300 * len(inside)

    # And the windows follow on from the last one checked until they reach the clock
    assert windows == [
        ("12:00", "14:00"),
        ("14:00", "16:00"),
        ("16:00", "18:00"),
        ("18:00", "20:00"),
        ("20:00", "22:00"),
        ("22:00", "23:00"),
    ]
    assert json.loads(stored_bytes(aws, STATE))["last_window_end"] == "2026-11-23T23:00:00Z"


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_a_corrupt_capture_line_is_counted_and_the_window_advances(aws, kind, capsys):
    # Given a good window and one line corrupted as ``kind``
    at = WINDOW_END - timedelta(minutes=5)
    instance = {k: v[0] for k, v in deliveries(1, seed=20).items()}
    put_captures(
        aws.s3,
        deliveries(300, seed=9),
        at=at,
        extra_lines=[corrupt_line(kind, instance, "corrupt-1", at)],
    )

    # When the deployed handler checks it
    run()

    # Then the corrupt record is counted with its reason, the rest is judged,
    # and the window advances past it
    report = aws.report()
    assert (report["status"], report["rows"], report["records_skipped"]) == ("ok", 300, 1)
    assert REASONS[kind] in report["skipped_reasons"][0]
    state = json.loads(aws.s3.get_object(Bucket="artifacts", Key=STATE_KEY)["Body"].read())
    assert state["last_window_end"] == "2026-11-23T12:00:00Z"
    # And the count is the metric the records-skipped alarm watches
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert next(b for b in blobs if "RecordsSkipped" in b)["RecordsSkipped"] == [1.0]


def test_s3_slowing_down_briefly_is_retried_and_nothing_is_missed(aws):
    # Given a window of captures, and S3 answering SlowDown to the first two reads
    put_captures(aws.s3, deliveries(300, seed=21), at=WINDOW_END - timedelta(minutes=5))

    with s3_slow_down("capture/", times=2) as slow:
        run()

    # Then the client's retries read every record and the window advances
    assert slow.injected == 2
    report = aws.report()
    assert (report["status"], report["rows"], report["records_skipped"]) == ("ok", 300, 0)
    state = json.loads(aws.s3.get_object(Bucket="artifacts", Key=STATE_KEY)["Body"].read())
    assert state["last_window_end"] == "2026-11-23T12:00:00Z"


def test_s3_slowing_down_for_good_fails_the_check_without_moving_the_window(aws):
    # Given a first window checked, then captures S3 will not serve for the next one
    put_captures(aws.s3, deliveries(300, seed=22), at=WINDOW_END - timedelta(minutes=5))
    run()
    later = WINDOW_END + timedelta(hours=1)
    put_captures(aws.s3, deliveries(300, seed=23), at=later - timedelta(minutes=5))

    # When S3 answers SlowDown to every read, the check fails naming it (the Lambda's
    # errors alarm notifies) and writes no report and no state
    with s3_slow_down("capture/"), pytest.raises(ClientError, match="SlowDown"):
        run(later)
    with pytest.raises(ClientError, match="NoSuchKey"):
        aws.report(later)
    state = json.loads(aws.s3.get_object(Bucket="artifacts", Key=STATE_KEY)["Body"].read())
    assert state["last_window_end"] == "2026-11-23T12:00:00Z"

    # Then the next check, with S3 serving again, reads the unread window whole
    run(later)
    report = aws.report(later)
    assert report["window"]["start"] == "2026-11-23T12:00:00Z" and report["rows"] == 300
