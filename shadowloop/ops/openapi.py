"""Write the OpenAPI document of the configured model: ``python -m shadowloop.ops.openapi``."""

from __future__ import annotations

import sys
from pathlib import Path

from infra.config import Config, load_from_cdk_json
from lambdas.api import openapi
from lambdas.shared.settings import ModelSpec


def document(config: Config | None = None) -> str:
    """The document of the model ``cdk.json`` configures (what ``cdk deploy`` serves)."""
    spec = ModelSpec.from_dict((config or load_from_cdk_json()).model.to_dict())
    return openapi.document(spec)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else openapi.DOCUMENT
    target.write_text(document())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
