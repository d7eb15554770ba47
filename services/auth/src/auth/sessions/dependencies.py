"""Route dependencies of the sessions domain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from auth.sessions.service import SessionsContext

__all__ = ["ClientAddress", "SessionsDep"]


def sessions_context(request: Request) -> SessionsContext:
    context: SessionsContext = request.app.state.sessions
    return context


def client_address(request: Request) -> str:
    # uvicorn's proxy-headers support has already replaced the gateway's address with
    # the client's from X-Forwarded-For (it trusts only the gateway's address for that).
    return request.client.host if request.client else "unknown"


SessionsDep = Annotated[SessionsContext, Depends(sessions_context)]
ClientAddress = Annotated[str, Depends(client_address)]
