"""The validation processing job: ValidateData's checks and ComputeBaseline's summary, on files.

For a snapshot too large for the Lambdas (``compute.lambda_dataset_max_bytes``). SageMaker
has copied the snapshot and the model spec under ``/opt/ml/processing/input``; the report
and ``statistics.json`` are written where the processing outputs upload them to the keys
the Lambdas write. The wire format (paths, arguments, ExitMessage) is
:mod:`lambdas.shared.contracts.validation_job`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lambdas.compute_baseline.baseline import compute_baseline
from lambdas.shared import csvtext, s3uri
from lambdas.shared.contracts import layout, steps
from lambdas.shared.contracts import validation_job as vj
from lambdas.shared.contracts.model_spec import ModelSpec
from lambdas.validate_data.quality import DEFAULT_LIMITS, QualityReport, check
from lambdas.validate_data.validate import _write_report, failure_message


class LocalObjects:
    """The two S3 calls the Lambdas' writers make, served by the job's own directories.

    Each (bucket, key) it may touch is named up front, so a writer that strays from the
    keys the processing outputs upload fails here rather than losing its object.
    """

    def __init__(self, reads: dict[tuple[str, str], Path], writes: dict[tuple[str, str], Path]):
        self._reads = reads
        self._writes = writes

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        return {"Body": self._path(self._reads, Bucket, Key).open("rb")}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:  # noqa: N803
        path = self._path(self._writes, Bucket, Key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Body)

    @staticmethod
    def _path(paths: dict[tuple[str, str], Path], bucket: str, key: str) -> Path:
        try:
            return paths[(bucket, key)]
        except KeyError:
            raise KeyError(f"the validation job writes no s3://{bucket}/{key}") from None


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Check the snapshot, write the report, and when it passed, the baseline: the outcome."""
    spec = _spec(Path(args.spec))
    snapshot = layout.snapshot_key(args.dataset, args.version_id)
    data = _one(Path(args.data), "*.csv", "snapshot")
    report_key = layout.report_key(args.dataset, args.version_id)
    baseline_key = layout.baseline_key(args.run_id)
    objects = LocalObjects(
        reads={(args.data_bucket, snapshot): data},
        writes={
            (args.data_bucket, report_key): Path(args.report) / Path(report_key).name,
            (args.artifact_bucket, baseline_key): Path(args.baseline) / Path(baseline_key).name,
        },
    )
    report = _check(data, spec)
    result = steps.VALIDATE_DATA.answer(
        dataset=args.dataset,
        version_id=args.version_id,
        source_uri=s3uri.build(args.data_bucket, layout.dataset_key(args.dataset)),
        snapshot_uri=s3uri.build(args.data_bucket, snapshot),
        report_uri=s3uri.build(args.data_bucket, report_key),
        rows=report.rows,
    )
    _write_report(objects, args.data_bucket, report_key, result, report)
    if not report.passed:
        cause = failure_message(args.dataset, args.version_id, report.errors)
        return vj.invalid(report.rows, cause)
    compute_baseline(
        objects,
        run_id=args.run_id,
        snapshot_uri=str(result["snapshot_uri"]),
        artifact_bucket=args.artifact_bucket,
        spec=spec,
    )
    return vj.passed(report.rows)


def _check(data: Path, spec: ModelSpec) -> QualityReport:
    """As ValidateData checks: an unreadable CSV is a report with that one error."""
    with data.open("rb") as body:
        try:
            return check(csvtext.records(body), spec, DEFAULT_LIMITS)
        except csvtext.UnreadableCsv as exc:
            return QualityReport(rows=0, errors=[str(exc)], warnings=[], columns={})


def _spec(directory: Path) -> ModelSpec:
    """The model spec input: one JSON file, named by its asset hash."""
    return ModelSpec.from_dict(json.loads(_one(directory, "*.json", "model spec").read_bytes()))


def _one(directory: Path, pattern: str, what: str) -> Path:
    """The one file an input directory holds, as SageMaker copied it (any name)."""
    found = sorted(directory.glob(pattern))
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise ValueError(f"expected one {what} ({pattern}) in {directory}, found {names}")
    return found[0]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in (*vj.ARGUMENTS, *vj.PATHS):
        parser.add_argument(f"--{name}", required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job; the outcome goes to the message file, which SageMaker makes ExitMessage."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    outcome = run(args)
    message = Path(args.message)
    message.parent.mkdir(parents=True, exist_ok=True)
    message.write_text(vj.encode(outcome), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
