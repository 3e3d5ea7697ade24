"""What a job's own code may import in SageMaker's scikit-learn image, enforced locally.

A job here runs on this environment's interpreter, which has every library the project
uses; the image has fewer. ``sitecustomize.py`` in this directory (on the job's
PYTHONPATH) refuses an import made by the job's own code (a file under the job's
directory) of a module that is neither the standard library, one of the image's
libraries, nor the job's own code, with the ``ModuleNotFoundError`` the image would
raise. Imports a library makes internally are left alone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

GUARD_DIR = Path(__file__).resolve().parent
IMAGE = "SageMaker's scikit-learn 1.9-0 image"
# Import names of what the image installs: requirements.txt of
# aws/sagemaker-scikit-learn-container at the 1.9.0 upgrade (numpy 2.5.1, pandas 2.2.3,
# pyarrow 25.0.0, scipy 1.18.0, ...), plus what those pull in (s3transfer, jmespath, pytz).
# The versions differ from this environment's; only the names are enforced.
IMAGE_LIBRARIES = frozenset(
    {
        "boto3",
        "botocore",
        "s3transfer",
        "jmespath",
        "dateutil",
        "urllib3",
        "certifi",
        "numpy",
        "pandas",
        "pyarrow",
        "pytz",
        "scipy",
        "sklearn",
        "joblib",
        "threadpoolctl",
        "narwhals",
        "yaml",
        "six",
    }
)


def environment(job_dir: Path) -> dict[str, str]:
    """The variables that put the guard in a job process working under ``job_dir``."""
    path = os.pathsep.join(p for p in (str(GUARD_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {
        "PYTHONPATH": path,
        "SHADOWLOOP_JOB_DIR": str(job_dir.resolve()),
        "SHADOWLOOP_IMAGE": IMAGE,
        "SHADOWLOOP_IMAGE_LIBRARIES": json.dumps(sorted(IMAGE_LIBRARIES)),
    }
