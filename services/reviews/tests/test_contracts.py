"""The committed OpenAPI document (contracts/openapi/reviews.json) matches the code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import nats
from jsonschema import Draft202012Validator, FormatChecker

from reviews.config import Settings
from reviews.graphql.schema import schema
from reviews.main import create_app
from switchkit.contracts import CONTRACTS_DIR, openapi_document
from switchkit.testing import InfraUrls
from tests.conftest import Create

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


def test_the_graphql_schema_matches_the_committed_contract() -> None:
    committed = (CONTRACTS_DIR / "graphql" / "reviews.graphql").read_text()
    assert schema.as_str() + "\n" == committed, (
        "the GraphQL schema drifted from contracts/graphql/reviews.graphql; if intended, run: "
        'uv run python -c "from reviews.graphql.schema import schema; '
        "open('contracts/graphql/reviews.graphql', 'w').write(schema.as_str() + '\\n')\""
    )


async def test_a_new_review_is_published_as_the_committed_event_schema(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str], infra_urls: InfraUrls
) -> None:
    book = await add_book()
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    client = await nats.connect(infra_urls.nats)

    async def on_message(message: Any) -> None:
        await received.put(json.loads(message.data))

    subscription = await client.subscribe(f"reviews.book.{book['id']}.review-added", cb=on_message)
    try:
        await client.flush()
        posted = await api.post(
            f"/books/{book['id']}/reviews", json={"rating": 2, "text": "Meh"}, headers=reader
        )
        event = await asyncio.wait_for(received.get(), timeout=5)
    finally:
        await subscription.unsubscribe()
        await client.drain()
    assert event == posted.json()
    contract = json.loads((CONTRACTS_DIR / "events" / "reviews.book.review-added.json").read_text())
    Draft202012Validator(contract, format_checker=FormatChecker()).validate(event)


async def test_a_review_that_is_not_stored_is_never_announced(
    api: httpx.AsyncClient, add_book: Create, reader: dict[str, str], infra_urls: InfraUrls
) -> None:
    book = await add_book()
    await api.post(f"/books/{book['id']}/reviews", json={"rating": 4}, headers=reader)
    client = await nats.connect(infra_urls.nats)
    received: list[bytes] = []

    async def on_message(message: Any) -> None:
        received.append(message.data)

    subscription = await client.subscribe(f"reviews.book.{book['id']}.review-added", cb=on_message)
    try:
        await client.flush()
        refused = await api.post(f"/books/{book['id']}/reviews", json={"rating": 5}, headers=reader)
        assert refused.status_code == 409
        await asyncio.sleep(0.5)
    finally:
        await subscription.unsubscribe()
        await client.drain()
    assert received == []
