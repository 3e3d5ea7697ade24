"""Fake credentials and region for every test, no cached clients between tests, and
collector thresholds for a large heap."""

import gc
import os

import pytest

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_METRICS_NAMESPACE="shadowloop",
    POWERTOOLS_SERVICE_NAME="shadowloop-test",
    POWERTOOLS_TRACE_DISABLED="true",
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# A worker's heap holds moto, botocore's models, pandas and pyarrow (some 400k objects).
# At the default thresholds (700, 10, 10) the collector spent 14-18 s of the 105-139 s
# that tests/e2e/test_pipeline.py and test_serving.py take in one process, most of it in
# full collections; at these, 5 s. Nothing here relies on when garbage is collected.
GC_THRESHOLDS = (5_000, 10, 20)
gc.set_threshold(*GC_THRESHOLDS)


@pytest.fixture(autouse=True)
def _fresh_clients():
    from lambdas.shared import clients

    clients.clear()
    yield
    clients.clear()
