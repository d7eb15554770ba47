"""The committed OpenAPI document (contracts/openapi/inventory.json) matches the code."""

from __future__ import annotations

from inventory.config import Settings
from inventory.main import create_app
from switchkit.contracts import CONTRACTS_DIR, openapi_document

REGENERATE = (
    "uv run python -m switchkit.contracts inventory.main:create_app "
    "contracts/openapi/inventory.json"
)


def test_the_openapi_document_matches_the_committed_contract(settings: Settings) -> None:
    committed = (CONTRACTS_DIR / "openapi" / "inventory.json").read_text()
    assert openapi_document(create_app(settings)) == committed, (
        f"the inventory API drifted from its contract; if intended, run: {REGENERATE}"
    )


def test_the_contract_names_the_fields_as_agreed_with_the_frontend(settings: Settings) -> None:
    spec = create_app(settings).openapi()
    out = spec["components"]["schemas"]["DidOut"]["properties"]
    assert set(out) == {"id", "value", "monthyPrice", "setupPrice", "currency"}
    assert "422" not in spec["paths"]["/dids"]["post"]["responses"]
