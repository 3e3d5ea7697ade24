"""Step Functions error names as AWS reports them, where moto's interpreter differs.

- A ``Fail`` state reports the error its ``ErrorPath`` selects, whatever it is. moto
  refuses a selected name starting with ``States.`` (e.g. a caught ``States.TaskFailed``)
  and fails the run with ``States.Runtime`` about that instead, hiding the real cause.
- An ``aws-sdk`` task's error is ``{Service}.{ErrorCode}Exception`` (``Exception`` added
  when the code lacks it), the service in PascalCase: ``SageMaker.ThrottlingException``.
  moto names an unmodeled error after its class and the lower-case service
  (``sagemaker.sagemakerException``), so no Retry or Catch written for AWS would match.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk as aws_sdk,
)
from moto.stepfunctions.parser.asl.component.state.fail import state_fail

# The patched members; tests/integration/localcloud checks that moto still has them.
PATCHED_FAIL_NAME = (state_fail, "CustomErrorName")
PATCHED_SDK_SERVICE = (aws_sdk.StateTaskServiceAwsSdk, "_normalise_service_error_name")
PATCHED_SDK_ERROR = (aws_sdk.StateTaskServiceAwsSdk, "_normalise_exception_name")
# Where AWS's spelling is not the service id without spaces (moto knows these too).
_SERVICE_NAMES = {"dynamodb": "DynamoDb", "sfn": "Sfn"}


class _AnyErrorName(ErrorName):
    """An error name as a Fail state selects it, ``States.`` prefix or not."""


def service_error_name(service: str) -> str:
    """``sagemaker`` → ``SageMaker``: the botocore service id without its spaces."""
    if service.lower() in _SERVICE_NAMES:
        return _SERVICE_NAMES[service.lower()]
    model = botocore.session.get_session().get_service_model(service.lower())
    return model.service_id.replace(" ", "")


def exception_name(service_name: str, ex: Exception) -> str:
    """Step Functions' name for ``ex``, e.g. ``SageMaker.ThrottlingException``."""
    code = ex.response.get("Error", {}).get("Code") if isinstance(ex, ClientError) else None
    name = f"{service_name}.{code or type(ex).__name__}"
    return name if name.endswith("Exception") else f"{name}Exception"


class StepErrors:
    """While installed, Fail states and aws-sdk tasks name errors as AWS does."""

    def __init__(self) -> None:
        self._originals: dict[tuple[Any, str], Any] = {}

    def install(self) -> None:
        for target in (PATCHED_FAIL_NAME, PATCHED_SDK_SERVICE, PATCHED_SDK_ERROR):
            self._originals[target] = target[0].__dict__[target[1]]
        setattr(*PATCHED_FAIL_NAME, _AnyErrorName)
        setattr(*PATCHED_SDK_SERVICE, staticmethod(service_error_name))
        setattr(*PATCHED_SDK_ERROR, staticmethod(exception_name))

    def uninstall(self) -> None:
        for target, original in self._originals.items():
            setattr(*target, original)
        self._originals.clear()
