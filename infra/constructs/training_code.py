"""The training scripts as a deterministic ``sourcedir.tar.gz`` asset."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from infra.config import ROOT

SOURCE_DIR = ROOT / "training"
BUILD_DIR = ROOT / "build"
ARCHIVE_NAME = "sourcedir.tar.gz"
# A fixed timestamp so the same sources give the same bytes (and the same code version).
FIXED_MTIME = 0


def build_sourcedir(source_dir: Path = SOURCE_DIR, out_dir: Path = BUILD_DIR) -> Path:
    """Pack ``source_dir/*.py`` into ``out_dir/sourcedir.tar.gz``, byte-identical every time."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(source_dir.glob("*.py")):
            info = tarfile.TarInfo(path.name)
            data = path.read_bytes()
            info.size = len(data)
            info.mtime = FIXED_MTIME
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=FIXED_MTIME) as gz:
        gz.write(raw.getvalue())
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ARCHIVE_NAME
    payload = compressed.getvalue()
    if not target.exists() or target.read_bytes() != payload:
        target.write_bytes(payload)
    return target


def code_version(archive: Path) -> str:
    """The first 12 hex digits of the archive's sha256: the code version a model records."""
    return hashlib.sha256(archive.read_bytes()).hexdigest()[:12]


class TrainingCode(Construct):
    """Uploads ``training/`` as ``sourcedir.tar.gz``; ``uri`` and ``version`` name that upload."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        archive = build_sourcedir()
        self.version = code_version(archive)
        self.asset = s3_assets.Asset(self, "Asset", path=str(archive))
        self.uri = self.asset.s3_object_url
        self.bucket_name = self.asset.s3_bucket_name
        self.object_key = self.asset.s3_object_key
