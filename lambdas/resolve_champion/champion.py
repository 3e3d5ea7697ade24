"""ResolveChampion: find the model in production and stage its artifact for the run.

The champion is the package behind the endpoint's production variant. Before the
first deployment there is no endpoint, so the newest Approved package stands in.

The run also gets the champion's own holdout to score both models on: the snapshot its
package's lineage names (``holdout_uri``). A champion without that lineage has none, and
``holdout_uri`` is then the run's champion prefix, which holds no CSV: SageMaker refuses
an input prefix with no objects, so the evaluation job's input needs something there.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError

from lambdas.shared import endpoint_state, registry, s3uri
from lambdas.shared.contracts import layout, steps

# Step Functions execution names, which are the run ids.
_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


class InvalidRunId(ValueError):
    """The run id cannot name a key prefix."""


class ChampionArtifactsMissing(Exception):
    """The champion's model artifact is not where its package says."""


@dataclass(frozen=True)
class Champion:
    model_package_arn: str | None
    model_data_url: str | None
    source: str
    """``endpoint``, ``registry`` or ``none``."""
    snapshot_uri: str | None = None
    """The snapshot the champion trained on (its holdout is scored too), None when unknown."""
    version_id: str | None = None
    """The dataset version of that snapshot."""


def find_champion(sagemaker: Any, *, endpoint_name: str, group: str) -> Champion:
    """The endpoint's production model, else the newest Approved package, else none."""
    state = endpoint_state.describe(sagemaker, endpoint_name)
    if state is not None:
        arn = state.champion.model_package_arn
        if arn:
            return _packaged(sagemaker, arn, "endpoint")
        # A model created from a bare container still has an artifact to compare with.
        return Champion(None, _model_data_url(sagemaker, state.champion.model_name), "endpoint")
    arn = registry.newest_approved(sagemaker, group)
    if arn:
        return _packaged(sagemaker, arn, "registry")
    return Champion(None, None, "none")


def _packaged(sagemaker: Any, arn: str, source: str) -> Champion:
    lineage = registry.describe_lineage(sagemaker, arn)
    snapshot = lineage.get("snapshot_uri")
    return Champion(
        arn,
        lineage.get("model_data_url"),
        source,
        snapshot_uri=snapshot if isinstance(snapshot, str) else None,
        version_id=lineage.get("version_id") if isinstance(snapshot, str) else None,
    )


def resolve_champion(
    sagemaker: Any,
    s3: Any,
    *,
    run_id: str,
    endpoint_name: str,
    group: str,
    artifact_bucket: str,
) -> dict[str, Any]:
    """Write ``runs/{run_id}/champion/`` (champion.json, plus model.tar.gz when there is one)."""
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise InvalidRunId(f"run_id {run_id!r} is not a valid execution name")
    champion = find_champion(sagemaker, endpoint_name=endpoint_name, group=group)
    prefix = layout.champion_prefix(run_id)
    if champion.model_data_url:
        owner = champion.model_package_arn or "the endpoint's production model"
        _copy_artifact(s3, owner, champion.model_data_url, artifact_bucket, f"{prefix}model.tar.gz")
    s3.put_object(
        Bucket=artifact_bucket,
        Key=f"{prefix}champion.json",
        Body=json.dumps(asdict(champion), indent=2).encode("utf-8"),
        ContentType="application/json",
    )
    uri = s3uri.build(artifact_bucket, prefix)
    return steps.RESOLVE_CHAMPION.answer(
        model_package_arn=champion.model_package_arn,
        model_data_url=champion.model_data_url,
        uri=uri,
        holdout_uri=champion.snapshot_uri
        if champion.model_data_url and champion.snapshot_uri
        else uri,
    )


def _copy_artifact(s3: Any, owner: str, model_data_url: str, bucket: str, key: str) -> None:
    try:
        source_bucket, source_key = s3uri.parse(model_data_url)
        s3.copy({"Bucket": source_bucket, "Key": source_key}, bucket, key)
    except ValueError as exc:
        raise ChampionArtifactsMissing(f"champion {owner}: {exc}") from None
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code not in ("404", "NoSuchKey", "NoSuchBucket", "403", "AccessDenied"):
            raise
        raise ChampionArtifactsMissing(
            f"champion {owner}: model artifact {model_data_url} cannot be read ({code})"
        ) from None


def _model_data_url(sagemaker: Any, model_name: str) -> str | None:
    model = sagemaker.describe_model(ModelName=model_name)
    for container in [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]:
        if container.get("ModelDataUrl"):
            return container["ModelDataUrl"]
    return None
