"""``sourcedir.tar.gz`` holds what training runs, and nothing else decides its code version."""

import shutil
import tarfile

from infra.constructs.training_code import SOURCE_DIR, build_sourcedir, code_version

TRAINING_MODULES = (
    "calibration.py",
    "champion_holdout.py",
    "evaluate.py",
    "fairness.py",
    "features.py",
    "inference.py",
    "metrics.py",
    "modelfiles.py",
    "modelspec.py",
    "split.py",
    "train.py",
)


def test_the_archive_holds_exactly_the_training_modules(tmp_path):
    archive = build_sourcedir(out_dir=tmp_path)

    with tarfile.open(archive) as members:
        names = members.getnames()
        contents = {name: members.extractfile(name).read() for name in names}

    assert tuple(names) == TRAINING_MODULES
    assert "data.py" not in names
    for name, content in contents.items():
        assert content == (SOURCE_DIR / name).read_bytes()


def test_the_code_version_depends_on_training_alone(tmp_path):
    # Given the training modules copied away from the rest of the project
    alone = tmp_path / "training"
    shutil.copytree(SOURCE_DIR, alone, ignore=shutil.ignore_patterns("__pycache__"))

    # When both are packed
    from_project = build_sourcedir(out_dir=tmp_path / "project")
    from_copy = build_sourcedir(alone, out_dir=tmp_path / "copy")

    # Then the example generator, the demo and every other file outside training/ add nothing
    assert code_version(from_project) == code_version(from_copy)
    assert from_project.read_bytes() == from_copy.read_bytes()
