"""What the services' Server-Sent Events routes share, around FastAPI's EventSourceResponse.

A route is an async generator with `response_class=EventSourceResponse` (fastapi.sse) that
yields `ServerSentEvent`s; FastAPI frames them, sends `Cache-Control: no-cache` and
`X-Accel-Buffering: no`, and writes a `: ping` comment after 15 s without an event, which
keeps proxies from closing an idle stream. Each event carries an `id:`; a client reconnecting
sends the last one back (`Last-Event-ID`, or `?after=` where it cannot set headers) and
resumes after it (`ResumeAfter`). A stream that ends says why in a last `end` event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Header, Query
from fastapi.sse import ServerSentEvent

from switchkit.realtime.listeners import StreamEnded

__all__ = ["ResumeAfter", "end_event", "json_event", "resume_after"]

RESUME = "Resume after the event with this id"


def resume_after(
    last_event_id: Annotated[
        int | None, Header(alias="Last-Event-ID", ge=0, description=RESUME)
    ] = None,
    after: Annotated[int | None, Query(ge=0, description=RESUME)] = None,
) -> int | None:
    """The id a reconnecting client resumes after: `Last-Event-ID` (an EventSource sends it by
    itself), else `?after=`; None for a new stream, which starts with the next event."""
    return last_event_id if last_event_id is not None else after


ResumeAfter = Annotated[int | None, Depends(resume_after)]


def json_event(*, event: str, id: str | None = None, data: Mapping[str, Any]) -> ServerSentEvent:
    """An event whose data is JSON that is ready as it is (as it came from NATS, or a model's
    `model_dump(mode="json")`): written by `json.dumps` alone, without FastAPI's
    `jsonable_encoder`, which costs several times as much for every event to every client."""
    return ServerSentEvent(event=event, id=id, raw_data=json.dumps(data))


def end_event(ended: StreamEnded) -> ServerSentEvent:
    """The stream's last event: `event: end` with `{"reason": ...}`."""
    return json_event(event="end", data={"reason": ended.reason})
