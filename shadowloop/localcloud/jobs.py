"""Runs SageMaker training and processing jobs for real: the compute moto lacks.

moto marks every job ``Completed`` at once with a fake artifact. Here a job runs
the real script in a subprocess, laid out as SageMaker's containers lay it out:
channels and inputs are downloaded from (moto) S3 under a local ``/opt/ml``,
hyperparameters arrive as ``--name value`` arguments and ``SM_*`` variables, and
the model directory or processing outputs are uploaded back, all as the job's role. A
failing script makes the job ``Failed`` with the script's last error line as the reason. A
job that runs past its ``StoppingCondition.MaxRuntimeInSeconds`` is killed and ends
``Stopped`` with no ``FailureReason``, as SageMaker leaves it. A job name already taken is
refused with ``ResourceInUse``, as on AWS (moto replaces the old job). A processing job's
``/opt/ml/output/message`` becomes its ``ExitMessage`` (the first 1 KB), as SageMaker makes it.
Jobs import only what the scikit-learn image has (:mod:`shadowloop.localcloud.image_guard`).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from moto.sagemaker.exceptions import ResourceInUseException
from moto.sagemaker.models import SageMakerModelBackend

from shadowloop.localcloud import image_guard
from shadowloop.localcloud.access.principals import Principal, acting_as

PATCHED_TRAINING = (SageMakerModelBackend, "create_training_job")
PATCHED_PROCESSING = (SageMakerModelBackend, "create_processing_job")
CONTAINER_ROOT = "/opt/ml"
# A job gets a whole instance on AWS; here it shares a laptop, and threaded
# boosting on oversubscribed cores is many times slower than one thread.
_LOCAL_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# What ``_run`` answers for a job that ran out of time (not a failure reason).
STOPPED = "Stopped"
# SageMaker keeps the first 1 KB of a processing job's message file as its ExitMessage.
EXIT_MESSAGE_BYTES = 1024


class JobRunner:
    """Patches moto's job creation so that each job really runs before it is described."""

    def __init__(self, *, workdir: Path, s3: Callable[[], Any]) -> None:
        self.workdir = workdir
        self.s3 = s3
        self._originals = {p: getattr(*p) for p in (PATCHED_TRAINING, PATCHED_PROCESSING)}

    def install(self) -> None:
        runner = self
        create_training = self._originals[PATCHED_TRAINING]
        create_processing = self._originals[PATCHED_PROCESSING]

        def create_training_job(backend, **kwargs):  # noqa: ANN001, ANN003
            _refuse_taken("Training", backend.training_jobs, kwargs["training_job_name"])
            job = create_training(backend, **kwargs)
            with _as_job_role(job):
                runner.run_training(job)
            return job

        def create_processing_job(backend, **kwargs):  # noqa: ANN001, ANN003
            _refuse_taken("Processing", backend.processing_jobs, kwargs["processing_job_name"])
            job = create_processing(backend, **kwargs)
            with _as_job_role(job):
                runner.run_processing(job)
            return job

        setattr(*PATCHED_TRAINING, create_training_job)
        setattr(*PATCHED_PROCESSING, create_processing_job)

    def uninstall(self) -> None:
        for target, original in self._originals.items():
            setattr(*target, original)

    # -- training ----------------------------------------------------------------------

    def run_training(self, job: Any) -> None:
        """Run a training job to completion and record its outcome on the moto job."""
        root = self._fresh_dir(f"training/{job.training_job_name}")
        hyperparameters = _decode_hyperparameters(job.hyper_parameters or {})
        code_dir = root / "code"
        model_dir, output_dir = root / "model", root / "output"
        for directory in (code_dir, model_dir, output_dir / "data"):
            directory.mkdir(parents=True)
        try:
            self._download_code(
                str(hyperparameters.get("sagemaker_submit_directory", "")), code_dir
            )
            channels = {}
            for channel in job.input_data_config or []:
                name = channel["ChannelName"]
                target = root / "input" / "data" / name
                self._download_prefix(channel["DataSource"]["S3DataSource"]["S3Uri"], target)
                channels[name] = target
        except (ValueError, KeyError, ClientError) as exc:
            return _fail_training(job, f"ClientError: {exc}")
        user_hps = {k: v for k, v in hyperparameters.items() if not k.startswith("sagemaker_")}
        env = {
            **_LOCAL_THREADS,
            **image_guard.environment(root),
            "SM_MODEL_DIR": str(model_dir),
            "SM_OUTPUT_DATA_DIR": str(output_dir / "data"),
            "SM_OUTPUT_DIR": str(output_dir),
            "SM_CHANNELS": json.dumps(sorted(channels)),
            "SM_HPS": json.dumps(user_hps),
            "SM_NUM_CPUS": str(os.cpu_count() or 1),
            "SM_NUM_GPUS": "0",
            "SM_CURRENT_HOST": "algo-1",
            "SM_HOSTS": json.dumps(["algo-1"]),
            "SM_USER_ENTRY_POINT": str(hyperparameters.get("sagemaker_program", "train.py")),
            **{f"SM_CHANNEL_{name.upper()}": str(path) for name, path in channels.items()},
            **{f"SM_HP_{k.upper()}": _arg_value(v) for k, v in user_hps.items()},
        }
        program = str(hyperparameters.get("sagemaker_program", "train.py"))
        command = [sys.executable, program, *_to_cmd_args(user_hps)]
        timeout = (job.stopping_condition or {}).get("MaxRuntimeInSeconds", 86400)
        error = self._run(command, cwd=code_dir, env=env, timeout=timeout, log=root / "job.log")
        if error is STOPPED:
            job.training_job_status = "Stopped"
            job.secondary_status = "MaxRuntimeExceeded"
            return None
        if error is not None:
            return _fail_training(job, error)
        artifact_uri = job.model_artifacts["S3ModelArtifacts"]
        bucket, key = _split(artifact_uri)
        try:
            self.s3().put_object(Bucket=bucket, Key=key, Body=_tar_gz(model_dir))
        except ClientError as exc:
            return _fail_training(job, f"ClientError: uploading the model failed: {exc}")
        job.training_job_status = job.secondary_status = "Completed"

    # -- processing --------------------------------------------------------------------

    def run_processing(self, job: Any) -> None:
        """Run a processing job's container entrypoint with local paths for /opt/ml."""
        root = self._fresh_dir(f"processing/{job.processing_job_name}")
        local = lambda path: path.replace(CONTAINER_ROOT, str(root))  # noqa: E731
        try:
            for item in job.processing_inputs or []:
                s3_input = item["S3Input"]
                self._download_prefix(s3_input["S3Uri"], Path(local(s3_input["LocalPath"])))
        except (ValueError, KeyError, ClientError) as exc:
            return _fail_processing(job, f"ClientError: {exc}")
        outputs = (job.processing_output_config or {}).get("Outputs", [])
        for item in outputs:
            Path(local(item["S3Output"]["LocalPath"])).mkdir(parents=True, exist_ok=True)
        spec = job.app_specification
        command = [local(a) for a in (spec.get("ContainerEntrypoint") or [])]
        command += [local(a) for a in (spec.get("ContainerArguments") or [])]
        # The image's python3 is this environment's interpreter.
        env = {
            **_LOCAL_THREADS,
            **image_guard.environment(root),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        timeout = (job.stopping_condition or {}).get("MaxRuntimeInSeconds", 86400)
        error = self._run(command, cwd=root, env=env, timeout=timeout, log=root / "job.log")
        try:
            message = _exit_message(root / "output" / "message")
        except UnicodeDecodeError:
            return _fail_processing(job, "ClientError: /opt/ml/output/message is not UTF-8")
        if message is not None:
            job.exit_message = message
        if error is STOPPED:
            job.processing_job_status = "Stopped"
            return None
        if error is not None:
            return _fail_processing(job, error)
        try:
            for item in outputs:
                output = item["S3Output"]
                self._upload_dir(Path(local(output["LocalPath"])), output["S3Uri"])
        except ClientError as exc:
            return _fail_processing(job, f"ClientError: uploading outputs failed: {exc}")
        job.processing_job_status = "Completed"

    # -- plumbing ----------------------------------------------------------------------

    def _fresh_dir(self, name: str) -> Path:
        path = self.workdir / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def _run(
        self, command: list[str], *, cwd: Path, env: dict[str, str], timeout: int, log: Path
    ) -> str | None:
        """Run one job process; None on success, STOPPED past ``timeout``, else the reason."""
        try:
            done = subprocess.run(
                command,
                cwd=cwd,
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            log.write_text(
                f"{_text(expired.stdout)}{_text(expired.stderr)}\nstopped after {timeout} s"
            )
            return STOPPED
        log.write_text(done.stdout + done.stderr)
        if done.returncode == 0:
            return None
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {done.returncode}"
        return f"AlgorithmError: {reason}"

    def _download_code(self, uri: str, target: Path) -> None:
        if not uri:
            raise ValueError("the training job has no sagemaker_submit_directory")
        bucket, key = _split(uri)
        body = self.s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            archive.extractall(target, filter="data")

    def _download_prefix(self, uri: str, target: Path) -> None:
        bucket, prefix = _split(uri)
        target.mkdir(parents=True, exist_ok=True)
        paginator = self.s3().get_paginator("list_objects_v2")
        found = False
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                relative = key[len(prefix) :].lstrip("/") or key.rsplit("/", 1)[-1]
                path = target / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.s3().get_object(Bucket=bucket, Key=key)["Body"].read())
                found = True
        if not found:
            raise ValueError(f"no objects under {uri}")

    def _upload_dir(self, directory: Path, uri: str) -> None:
        bucket, prefix = _split(uri)
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            key = f"{prefix.rstrip('/')}/{file.relative_to(directory).as_posix()}"
            self.s3().put_object(Bucket=bucket, Key=key, Body=file.read_bytes())


def _exit_message(path: Path) -> str | None:
    """The ExitMessage a message file gives; UnicodeDecodeError when it is not UTF-8."""
    if not path.is_file():
        return None
    path.read_bytes().decode("utf-8")
    return path.read_bytes()[:EXIT_MESSAGE_BYTES].decode("utf-8", errors="ignore")


def _refuse_taken(kind: str, jobs: dict[str, Any], name: str) -> None:
    if name in jobs:
        raise ResourceInUseException(
            f"{kind} job names must be unique within an AWS account and region, and a "
            f"{kind.lower()} job with this name already exists ({jobs[name].arn})"
        )


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def _as_job_role(job: Any) -> Any:
    """A job reads and writes S3 as the role it was given, as SageMaker does."""
    return acting_as(Principal.role(job.role_arn, session="SageMaker"))


def _decode_hyperparameters(raw: dict[str, str]) -> dict[str, Any]:
    """As the SageMaker training toolkit does: each value is JSON-decoded once if it can be."""
    decoded = {}
    for key, value in raw.items():
        try:
            decoded[key] = json.loads(value)
        except (TypeError, ValueError):
            decoded[key] = value
    return decoded


def _arg_value(value: Any) -> str:
    """The toolkit's rendering of one hyperparameter on the command line."""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _to_cmd_args(hyperparameters: dict[str, Any]) -> list[str]:
    args = []
    for key in sorted(hyperparameters):
        args += [f"--{key}", _arg_value(hyperparameters[key])]
    return args


def _split(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _tar_gz(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            archive.add(file, arcname=file.relative_to(directory).as_posix())
    return buffer.getvalue()


def _fail_training(job: Any, reason: str) -> None:
    job.training_job_status = job.secondary_status = "Failed"
    job.failure_reason = reason


def _fail_processing(job: Any, reason: str) -> None:
    job.processing_job_status = "Failed"
    job.failure_reason = reason
