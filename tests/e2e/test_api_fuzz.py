"""Schema-driven fuzzing of the local API with a model deployed: no 5xx, no answer off-schema.

Every case schemathesis derives from the committed OpenAPI document (the configured
model's features and task) goes through the local gateway to the deployed API Lambda.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS

from shadowloop.ops import openapi
from tests.e2e.conftest import DATASET, generate, push

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("fuzz")]
CASES_PER_OPERATION = 80
CHECKED = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def test_schema_driven_requests_get_no_server_error_and_only_documented_answers(
    cloud, target, api_url
):
    run = cloud.run_pipeline(dataset=DATASET, version_id=push(target, generate("baseline", 800, 1)))
    assert run.status == "SUCCEEDED", run.cause
    schema = schemathesis.openapi.from_dict(json.loads(openapi.document()))
    checks = CHECKS.get_by_names(list(CHECKED))  # the OpenAPI checks register with a schema
    statuses: Counter[int] = Counter()
    tried = 0

    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case):
            nonlocal tried
            response = case.call(base_url=api_url, timeout=30)
            tried += 1
            statuses[response.status_code] += 1
            case.validate_response(response, checks=checks)

        call()

    print(f"schemathesis: {tried} cases, statuses {dict(sorted(statuses.items()))}")
    assert tried >= 3 * CASES_PER_OPERATION
    assert not [s for s in statuses if s >= 500]
    assert statuses[200] > 0 and statuses[201] >= 0
