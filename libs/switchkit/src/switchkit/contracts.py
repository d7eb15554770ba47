"""Committed contracts: each service's OpenAPI document, written the same way every time.

`python -m switchkit.contracts auth.main:create_app contracts/openapi/auth.json` rewrites a
service's document; each service has a test that fails when its code drifts from it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

__all__ = ["CONTRACTS_DIR", "openapi_document"]

CONTRACTS_DIR = Path(__file__).resolve().parents[4] / "contracts"


def openapi_document(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _load_app(factory_path: str) -> FastAPI:
    module_name, _, attribute = factory_path.partition(":")
    factory: Any = getattr(importlib.import_module(module_name), attribute)
    app = factory()
    assert isinstance(app, FastAPI)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m switchkit.contracts", description=__doc__)
    parser.add_argument(
        "factory", help="module:function that builds the app, e.g. auth.main:create_app"
    )
    parser.add_argument("output", type=Path)
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(openapi_document(_load_app(args.factory)))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
