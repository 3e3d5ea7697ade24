"""The script runtime behind local endpoints: isolated code dirs and the container's errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shadowloop.localcloud.model_runtime import InferenceScript, ScriptError

SCRIPT = """
import json

import scaling


def model_fn(model_dir):
    with open(model_dir + "/factor.txt") as f:
        return float(f.read())


def input_fn(body, content_type):
    request = json.loads(body)
    if "instances" not in request:
        raise ValueError("request has no instances")
    return request["instances"]


def predict_fn(instances, factor):
    return [scaling.scale(x, factor) for x in instances]


def output_fn(predictions, accept):
    return json.dumps({"predictions": predictions}), "application/json"
"""


def _code(root: Path, offset: int, factor: str) -> InferenceScript:
    """A script whose sibling ``scaling`` module differs per code dir."""
    code, model = root / "code", root / "model"
    code.mkdir(parents=True)
    model.mkdir()
    (code / "inference.py").write_text(SCRIPT)
    (code / "scaling.py").write_text(f"def scale(x, factor):\n    return x * factor + {offset}\n")
    (model / "factor.txt").write_text(factor)
    return InferenceScript(code, "inference.py", model)


def _predict(script: InferenceScript, instances: list[float]) -> list[float]:
    answer = script.invoke(json.dumps({"instances": instances}).encode(), "application/json", "*/*")
    assert answer.content_type == "application/json"
    return json.loads(answer.body)["predictions"]


def test_two_code_dirs_keep_their_own_sibling_modules(tmp_path):
    champion = _code(tmp_path / "champion", offset=0, factor="2")
    challenger = _code(tmp_path / "challenger", offset=100, factor="3")

    assert _predict(champion, [1, 2]) == [2.0, 4.0]
    assert _predict(challenger, [1, 2]) == [103.0, 106.0]
    assert _predict(champion, [5]) == [10.0]
    assert "scaling" not in sys.modules


def test_input_errors_are_client_errors_with_the_script_message(tmp_path):
    script = _code(tmp_path, offset=0, factor="1")

    with pytest.raises(ScriptError) as raised:
        script.invoke(b"{}", "application/json", "application/json")

    assert (raised.value.stage, raised.value.status) == ("input_fn", 400)
    assert raised.value.message == "request has no instances"


def test_a_model_that_cannot_load_is_a_server_error(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "inference.py").write_text(SCRIPT)
    (code / "scaling.py").write_text("")

    with pytest.raises(ScriptError) as raised:
        InferenceScript(code, "inference.py", tmp_path / "no-model")

    assert (raised.value.stage, raised.value.status) == ("model_fn", 500)
    assert "factor.txt" in raised.value.message
