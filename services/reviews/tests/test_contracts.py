"""The committed OpenAPI document (contracts/openapi/reviews.json) matches the code."""

from __future__ import annotations

from collections.abc import Callable

from reviews.config import Settings
from reviews.main import create_app
from switchkit.contracts import CONTRACTS_DIR, openapi_document

REGENERATE = (
    "uv run python -m switchkit.contracts reviews.main:create_app contracts/openapi/reviews.json"
)


def test_the_openapi_document_matches_the_committed_contract(
    settings_for: Callable[..., Settings],
) -> None:
    committed = (CONTRACTS_DIR / "openapi" / "reviews.json").read_text()
    assert openapi_document(create_app(settings_for())) == committed, (
        f"the reviews API drifted from its contract; if intended, run: {REGENERATE}"
    )


def test_the_list_documents_its_cache_header_and_problems(
    settings_for: Callable[..., Settings],
) -> None:
    spec = create_app(settings_for()).openapi()
    listing = spec["paths"]["/books"]["get"]["responses"]
    assert "X-Cache" in listing["200"]["headers"]
    assert "application/problem+json" in listing["400"]["content"]
    assert "422" not in spec["paths"]["/books/{book_id}/reviews"]["post"]["responses"]
