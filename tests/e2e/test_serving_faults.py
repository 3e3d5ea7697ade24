"""Serving under faults, on the strict local cloud: the endpoint refusing, duplicate feedback.

Each test asserts that the right model still serves and that nothing accepted is lost or
overwritten. The metrics the API emits for these answers are asserted in the integration
tier (tests/integration/api): here the functions' output goes to pytest's capture.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from lambdas.api import schemas
from lambdas.shared import feedback
from lambdas.shared.capture import Skipped
from shadowloop.ops.api import ApiClient, ApiError
from tests.e2e.conftest import generate
from tests.e2e.test_serving import _records, _train

pytestmark = pytest.mark.e2e
PARALLEL = 8
# The API's SageMaker Runtime client retries twice after the first attempt (clients.py).
ATTEMPTS = 3


def _audit_records(cloud) -> int:
    table = cloud.output("InferenceTableName")
    return cloud.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"]


def _refused(call) -> ApiError:
    with pytest.raises(ApiError) as refused:
        call()
    return refused.value


def test_an_endpoint_throttling_or_failing_is_a_503_or_502_and_records_nothing(
    cloud, target, api_url
):
    # Given a trained champion serving one answered prediction
    api = ApiClient(api_url)
    champion = _train(cloud, target, generate("baseline", 1500, 0))
    record = _records(generate("baseline", 1, 9))[0]
    first = api.predict([record])

    # When the endpoint throttles once, the client's retry absorbs it
    cloud.endpoints.fail_next("ThrottlingException", "Rate exceeded")
    retried = api.predict([record])
    audited = _audit_records(cloud)
    assert audited == 2 and retried["model_package_arn"] == champion

    # When it throttles, then fails inside, for every attempt the client makes
    cloud.endpoints.fail_next("ThrottlingException", "Rate exceeded", times=ATTEMPTS)
    cloud.endpoints.fail_next("InternalFailure", "An internal failure occurred", times=ATTEMPTS)
    answers = [_refused(lambda: api.predict([record])) for _ in range(2)]

    # Then each is answered in the error shape with 503 and 502, never a 500
    assert [a.status for a in answers] == [503, 502]
    assert [a.body["error"]["code"] for a in answers] == ["EndpointUnavailable", "ModelError"]
    assert all(set(a.body) == set(schemas.ERROR["required"]) for a in answers)
    # And no audit record exists for a prediction nobody got, so no feedback can join one
    assert _audit_records(cloud) == audited
    assert _refused(lambda: api.feedback("0" * 32, 1.0)).status == 404
    # And once the endpoint recovers, the same champion answers as before
    again = api.predict([record])
    assert again["model_package_arn"] == first["model_package_arn"] == champion
    assert again["predictions"][0]["prediction"] == first["predictions"][0]["prediction"]


def test_parallel_duplicate_feedback_keeps_exactly_one_answer(cloud, target, api_url):
    # Given one answered prediction
    api = ApiClient(api_url)
    _train(cloud, target, generate("baseline", 1500, 0))
    (prediction,) = api.predict(_records(generate("baseline", 1, 9)))["predictions"]
    inference_id = prediction["inference_id"]

    # When PARALLEL callers send different answers for it at the same time
    def send(actual: float) -> tuple[int, float]:
        try:
            api.feedback(inference_id, actual)
            return 201, actual
        except ApiError as error:
            return error.status, actual

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(send, [float(10 + i) for i in range(PARALLEL)]))

    # Then exactly one is recorded, every other is a 409, and the stored one is the winner's
    (accepted,) = [actual for status, actual in results if status == 201]
    assert sorted(status for status, _ in results) == [201] + [409] * (PARALLEL - 1)
    skipped = Skipped()
    now = datetime.now(UTC)
    stored = feedback.read_feedback(
        cloud.client("dynamodb"),
        cloud.output("InferenceTableName"),
        skipped,
        start=now - timedelta(hours=1),
        end=now,
        wanted={inference_id},
    )
    assert stored == {inference_id: accepted} and skipped.count == 0
