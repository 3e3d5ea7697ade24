"""Run a SageMaker script-mode inference script in this process.

The contract is the one of sagemaker-scikit-learn-container: ``model_fn(model_dir)``
loads the model once, then every request goes through ``input_fn(body, content_type)``
→ ``predict_fn(data, model)`` → ``output_fn(prediction, accept)`` (or one
``transform_fn(model, body, content_type, accept)``). Missing functions fall back to
JSON defaults, as in the container.

Scripts import their siblings by plain name (``import modelspec``), and the champion
and the challenger ship different copies of the same names. Each script therefore
runs inside its own import scope: its code dir first on ``sys.path`` and its own
sibling modules in ``sys.modules``, restored afterwards.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

JSON = "application/json"
# Swapping sys.modules is process-wide, so only one script runs inside its scope at a time.
_IMPORT_LOCK = threading.RLock()
# SageMaker's status codes for a failure in each stage of the script.
CLIENT_ERROR_STAGES = ("input_fn", "predict_fn")


class ScriptError(Exception):
    """A function of the inference script raised; ``status`` is the container's HTTP code."""

    def __init__(self, stage: str, message: str, status: int):
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Prediction:
    body: bytes
    content_type: str


class InferenceScript:
    """One loaded script and its model, callable like the container's ``/invocations``."""

    def __init__(self, code_dir: Path, program: str, model_dir: Path):
        self.code_dir = code_dir.resolve()
        self.program = program
        self.model_dir = model_dir
        self._siblings = _sibling_names(self.code_dir)
        self._own_modules: dict[str, ModuleType] = {}
        script_path = self.code_dir / program
        if not script_path.is_file():
            raise ScriptError("model_fn", f"inference script {program} not found in code", 500)
        self.module = self._import(script_path)
        self.model = self._call("model_fn", self._model_fn, str(model_dir))

    def invoke(self, body: bytes, content_type: str, accept: str) -> Prediction:
        """Answer one request as the container would."""
        transform = getattr(self.module, "transform_fn", None)
        if transform is not None:
            result = self._call("transform_fn", transform, self.model, body, content_type, accept)
            return _prediction(result, accept)
        data = self._call(
            "input_fn", self._handler("input_fn", _default_input_fn), body, content_type
        )
        output = self._call(
            "predict_fn", self._handler("predict_fn", _default_predict_fn), data, self.model
        )
        result = self._call(
            "output_fn", self._handler("output_fn", _default_output_fn), output, accept
        )
        return _prediction(result, accept)

    def _model_fn(self, model_dir: str) -> Any:
        model_fn = getattr(self.module, "model_fn", None)
        if model_fn is None:
            raise ValueError(f"{self.program} defines no model_fn")
        return model_fn(model_dir)

    def _handler(self, name: str, default: Callable[..., Any]) -> Callable[..., Any]:
        return getattr(self.module, name, None) or default

    def _call(self, stage: str, fn: Callable[..., Any], *args: Any) -> Any:
        with self._scope():
            try:
                return fn(*args)
            except Exception as exc:  # the script's own error becomes the container's answer
                status = 400 if stage in CLIENT_ERROR_STAGES else 500
                raise ScriptError(stage, str(exc) or type(exc).__name__, status) from exc

    def _import(self, script_path: Path) -> ModuleType:
        # A unique name keeps two scripts called inference.py apart in sys.modules.
        digest = hashlib.sha256(str(script_path).encode()).hexdigest()[:12]
        name = f"_shadowloop_script_{digest}"
        spec = importlib.util.spec_from_file_location(name, script_path)
        if spec is None or spec.loader is None:
            raise ScriptError("model_fn", f"cannot load {script_path.name}", 500)
        module = importlib.util.module_from_spec(spec)
        # Registered under its unique name: dataclasses and pickle look modules up there.
        sys.modules[name] = module
        with self._scope():
            try:
                spec.loader.exec_module(module)
            except Exception as exc:
                del sys.modules[name]
                raise ScriptError("model_fn", f"{script_path.name}: {exc}", 500) from exc
        return module

    @contextmanager
    def _scope(self) -> Iterator[None]:
        """This script's code dir and sibling modules, for the duration of one call."""
        with _IMPORT_LOCK:
            shadowed = {n: m for n, m in sys.modules.items() if self._is_sibling(n)}
            for name in shadowed:
                del sys.modules[name]
            sys.modules.update(self._own_modules)
            sys.path.insert(0, str(self.code_dir))
            try:
                yield
            finally:
                sys.path.remove(str(self.code_dir))
                for name in [n for n in sys.modules if self._is_sibling(n)]:
                    self._own_modules[name] = sys.modules.pop(name)
                sys.modules.update(shadowed)

    def _is_sibling(self, module_name: str) -> bool:
        top = module_name.partition(".")[0]
        return top in self._siblings


def _sibling_names(code_dir: Path) -> set[str]:
    """Top-level module and package names a script in ``code_dir`` can import."""
    modules = {p.stem for p in code_dir.glob("*.py")}
    packages = {p.parent.name for p in code_dir.glob("*/__init__.py")}
    return modules | packages


def _prediction(result: Any, accept: str) -> Prediction:
    """output_fn may return a body or (body, content_type), as the container accepts."""
    content_type = _effective_accept(accept)
    if isinstance(result, tuple) and len(result) == 2:
        result, content_type = result
    if isinstance(result, str):
        result = result.encode("utf-8")
    if not isinstance(result, bytes | bytearray):
        raise ScriptError(
            "output_fn", f"output_fn returned {type(result).__name__}, not bytes", 500
        )
    return Prediction(body=bytes(result), content_type=content_type)


def _effective_accept(accept: str | None) -> str:
    return JSON if not accept or accept == "*/*" else accept


def _default_input_fn(body: bytes, content_type: str) -> Any:
    if content_type.split(";")[0].strip() != JSON:
        raise ValueError(f"content type {content_type} is not supported by the default input_fn")
    return np.asarray(json.loads(body))


def _default_predict_fn(data: Any, model: Any) -> Any:
    return model.predict(data)


def _default_output_fn(prediction: Any, accept: str) -> bytes:
    if _effective_accept(accept) != JSON:
        raise ValueError(f"accept type {accept} is not supported by the default output_fn")
    if isinstance(prediction, np.ndarray):
        prediction = prediction.tolist()
    return json.dumps(prediction).encode("utf-8")
