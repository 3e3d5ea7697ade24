"""A local job's own code imports only what SageMaker's scikit-learn image has."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shadowloop.localcloud import image_guard


def _run(job_dir: Path, source: str) -> subprocess.CompletedProcess[str]:
    script = job_dir / "code" / "job.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(source)
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=script.parent,
        env={**os.environ, **image_guard.environment(job_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_library_the_image_lacks_is_refused_naming_the_image(tmp_path):
    # moto is installed here, but not in the image
    done = _run(tmp_path, "import moto\n")

    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "ModuleNotFoundError: No module named 'moto' "
        "(SageMaker's scikit-learn 1.9-0 image does not have it)"
    )


def test_the_image_libraries_the_standard_library_and_the_jobs_own_modules_import(tmp_path):
    (tmp_path / "code" / "helper.py").parent.mkdir(parents=True)
    (tmp_path / "code" / "helper.py").write_text("import csv\nVALUE = 3\n")

    source = "import json, numpy, pyarrow.csv, sklearn\nfrom helper import VALUE\nprint(VALUE)\n"
    done = _run(tmp_path, source)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"


def test_a_library_may_still_probe_for_its_optional_dependencies(tmp_path):
    # pandas looks for pyarrow itself; only the job's own imports are bounded
    done = _run(tmp_path, "import pandas\nprint(len(pandas.DataFrame({'a': [1, 2]})))\n")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
