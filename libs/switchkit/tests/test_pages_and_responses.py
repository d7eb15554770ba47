"""The cached page's byte form and the created-resource answer."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from switchkit.pages import CachedPage
from switchkit.responses import created


class Thing(BaseModel):
    thing_id: int = Field(serialization_alias="thingId")
    name: str


def test_a_cached_page_survives_its_byte_form() -> None:
    page = CachedPage(body=b'[{"a":"x\\ny"}]', total=1234)
    assert CachedPage.decode(page.encode()) == page


def test_an_empty_page_survives_its_byte_form() -> None:
    page = CachedPage(body=b"[]", total=0)
    assert page.encode() == b"0\n[]"
    assert CachedPage.decode(page.encode()) == page


def test_created_is_a_201_with_location_etag_and_the_body_by_its_aliases() -> None:
    response = created(
        Thing(thing_id=7, name="ä"), location="http://api.example/things/7", etag='"3"'
    )
    assert response.status_code == 201
    assert response.headers["location"] == "http://api.example/things/7"
    assert response.headers["etag"] == '"3"'
    assert response.headers["content-type"] == "application/json"
    assert json.loads(bytes(response.body)) == {"thingId": 7, "name": "ä"}


def test_created_without_an_etag_sends_none() -> None:
    response = created(Thing(thing_id=1, name="a"), location="http://api.example/things/1")
    assert "etag" not in response.headers
