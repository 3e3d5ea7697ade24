"""Write the API's OpenAPI document: ``python -m lambdas.api.openapi [path]``.

A development-time path: generation imports pydantic, the request path never does.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
TITLE = "shadowloop"
VERSION = "1.0.0"


def document() -> str:
    """The OpenAPI document generated from the handler's routes, as stable JSON text."""
    from lambdas.api.handler import app

    return (
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            summary="Predictions, ground-truth feedback and the models behind the endpoint",
            description='Errors share one shape: {"error": {"code", "message"}, "request_id"}. '
            "Request bodies are limited to 256 KiB.",
        )
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DOCUMENT
    target.write_text(document())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
