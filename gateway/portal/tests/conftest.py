"""Fixtures: the portal app on an in-memory client."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from portal import PortalSettings, create_app

from .fakes import GATEWAY, PortalFactory


@pytest.fixture
def portal() -> PortalFactory:
    """Open a client on a portal documenting `services`, whose upstream calls go to `transport`."""

    @asynccontextmanager
    async def open_portal(
        services: dict[str, str], transport: httpx.AsyncBaseTransport
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(PortalSettings(services=services), upstream_transport=transport)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=GATEWAY) as client,
        ):
            yield client

    return open_portal
