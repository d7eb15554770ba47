"""The committed OpenAPI document (contracts/openapi/chat.json) matches the code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from switchkit.contracts import CONTRACTS_DIR, openapi_document

REGENERATE = "uv run python -m switchkit.contracts chat.main:create_app contracts/openapi/chat.json"


def test_the_openapi_document_matches_the_committed_contract(make_app: Callable[[], Any]) -> None:
    committed = (CONTRACTS_DIR / "openapi" / "chat.json").read_text()
    assert openapi_document(make_app()) == committed, (
        f"the chat API drifted from its contract; if intended, run: {REGENERATE}"
    )


def test_the_brief_paths_are_kept(make_app: Callable[[], Any]) -> None:
    paths = make_app().openapi()["paths"]
    for path in ("/rooms", "/room/{room_id}/messages", "/users/{user_id}/messages", "/me/messages"):
        assert path in paths
