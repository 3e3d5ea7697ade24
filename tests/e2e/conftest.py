"""The whole loop on the local cloud: the synthesized stacks running on moto."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from infra.config import ROOT, load_from_cdk_json
from shadowloop.localcloud.cloud import LocalCloud
from shadowloop.ops import datasets, examples, localserver
from shadowloop.ops.target import Target

DATASET = "delivery-eta"

pytestmark = pytest.mark.e2e


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LocalCloud]:
    """A fresh local account with the stacks deployed (the assembly is synthesized once)."""
    local = LocalCloud(workdir=tmp_path, config=load_from_cdk_json())
    # The assembly cache is shared by every test and worker; the rest is per test.
    local.start(assembly_cache=ROOT / ".shadowloop" / "assembly")
    yield local
    local.stop()


@pytest.fixture
def target(cloud: LocalCloud) -> Target:
    return localserver.target_for(cloud)


@pytest.fixture
def api_url(cloud: LocalCloud) -> Iterator[str]:
    server, url = localserver.serve_api(cloud, port=0)
    yield url
    server.shutdown()


def push(target: Target, frame: pd.DataFrame, *, source: str = "test") -> str:
    return datasets.push_bytes(
        target, frame.to_csv(index=False).encode(), DATASET, name=source, source=source
    )


def generate(scenario: str, rows: int, seed: int) -> pd.DataFrame:
    return examples.generate(scenario, rows=rows, seed=seed)


def read_s3(cloud: LocalCloud, uri: str, **kwargs: str) -> bytes:
    bucket, _, key = uri[5:].partition("/")
    return cloud.client("s3").get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()


def read_csv(body: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body))


def notifications(cloud: LocalCloud) -> list[dict]:
    """Every message published to the pipeline's topic, oldest first."""
    import json

    from moto.sns.models import sns_backends

    topic = sns_backends["123456789012"]["us-east-1"].topics[cloud.output("TopicArn")]
    return [json.loads(message) for _, message, *_ in topic.sent_notifications]
