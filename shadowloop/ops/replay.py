"""Replay a recorded prediction on the model artifact its package registered.

The artifact carries its own inference code (``code/`` inside ``model.tar.gz``), so the
replay loads exactly what the serving container loaded, through the same script-mode
contract (``model_fn`` → ``input_fn`` → ``predict_fn`` → ``output_fn``), and sends the
stored instance as the API sent it to the endpoint.
"""

from __future__ import annotations

import json
import math
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdas.shared import s3uri
from shadowloop.localcloud.model_runtime import InferenceScript, ScriptError
from shadowloop.ops.target import Target

JSON = "application/json"
DEFAULT_PROGRAM = "inference.py"


class ReplayError(ValueError):
    """The recorded inference cannot be replayed, or its model failed on replay."""


@dataclass(frozen=True)
class Replay:
    model_data_url: str
    stored: Any
    replayed: Any

    @property
    def reproduced(self) -> bool:
        return same_answer(self.stored, self.replayed)

    @property
    def difference(self) -> str | None:
        """What differs, in one line; None when the answer was reproduced."""
        if self.reproduced:
            return None
        text = f"recorded {self.stored!r}, the model now answers {self.replayed!r}"
        if _is_number(self.stored) and _is_number(self.replayed):
            text += f" (off by {float(self.replayed) - float(self.stored)!r})"
        return text


def same_answer(stored: Any, replayed: Any) -> bool:
    """Exact equality: the same float bits for a number, the same label or probabilities."""
    if _is_number(stored) and _is_number(replayed):
        # 30 and 30.0 are one number: DynamoDB keeps 30.0 as 30.
        return float(stored) == float(replayed)
    # As JSON text, so a label "1" is not the number 1, nor true the number 1.0.
    return json.dumps(stored, sort_keys=True) == json.dumps(replayed, sort_keys=True)


def replay(
    s3: Any, sagemaker: Any, *, model_package_arn: str, instance: dict[str, Any], stored: Any
) -> Replay:
    """Run ``instance`` through the package's registered artifact and code; compare with
    the ``stored`` answer."""
    container = sagemaker.describe_model_package(ModelPackageName=model_package_arn)[
        "InferenceSpecification"
    ]["Containers"][0]
    url = container["ModelDataUrl"]
    program = (container.get("Environment") or {}).get("SAGEMAKER_PROGRAM", DEFAULT_PROGRAM)
    with tempfile.TemporaryDirectory(prefix="shadowloop-replay-") as work:
        model_dir = _download_model(s3, url, Path(work))
        script = InferenceScript(code_dir=model_dir / "code", program=program, model_dir=model_dir)
        body = json.dumps({"instances": [instance]}).encode()
        answer = json.loads(script.invoke(body, JSON, JSON).body)
    return Replay(model_data_url=url, stored=stored, replayed=answer["predictions"][0])


def replay_inference(target: Target, record: dict[str, Any]) -> Replay:
    """Replay an audit record (``GET /inference/{id}``) on its package's registered model."""
    if record.get("model_package_arn") is None:
        raise ReplayError(f"inference {record['inference_id']} names no model package to replay")
    if record.get("input") is None:
        raise ReplayError(
            f"inference {record['inference_id']} was recorded without its input; "
            "it cannot be replayed"
        )
    try:
        return replay(
            target.client("s3"),
            target.client("sagemaker"),
            model_package_arn=record["model_package_arn"],
            instance=record["input"],
            stored=record["prediction"],
        )
    except ScriptError as exc:
        raise ReplayError(f"the model failed on replay ({exc.stage}): {exc.message}") from None


def _download_model(s3: Any, url: str, work: Path) -> Path:
    bucket, key = s3uri.parse(url)
    archive = work / "model.tar.gz"
    s3.download_file(bucket, key, str(archive))
    model_dir = work / "model"
    model_dir.mkdir()
    with tarfile.open(archive) as tar:
        # The "data" filter refuses absolute paths, links out of the folder and devices.
        tar.extractall(model_dir, filter="data")
    return model_dir


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
