"""``s3://bucket/key`` URIs."""

from __future__ import annotations


def parse(uri: str) -> tuple[str, str]:
    """Split an S3 URI into bucket and key; the error names the bad URI."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"S3 URI has no bucket: {uri!r}")
    return bucket, key


def build(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"
