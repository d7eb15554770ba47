"""The committed contracts (contracts/) match what the code serves and publishes."""

from __future__ import annotations

import json
from collections.abc import Callable

from jsonschema import Draft202012Validator

from auth.config import Settings
from auth.main import create_app
from switchkit.contracts import CONTRACTS_DIR, openapi_document

REGENERATE = "uv run python -m switchkit.contracts auth.main:create_app contracts/openapi/auth.json"


def test_the_openapi_document_matches_the_committed_contract(
    settings_for: Callable[..., Settings],
) -> None:
    committed = (CONTRACTS_DIR / "openapi" / "auth.json").read_text()
    assert openapi_document(create_app(settings_for())) == committed, (
        f"the auth API drifted from contracts/openapi/auth.json; if intended, run: {REGENERATE}"
    )


def test_the_event_schemas_are_valid_json_schema() -> None:
    for path in (CONTRACTS_DIR / "events").glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))
