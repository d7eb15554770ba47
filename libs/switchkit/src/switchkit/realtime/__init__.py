"""Realtime delivery that the services share: listeners and their endings, the sign-out
event, and Server-Sent Events routes (see each module)."""

from switchkit.realtime.listeners import (
    EXPIRED,
    SHUTTING_DOWN,
    SIGNED_OUT,
    TOO_SLOW,
    Listener,
    Listeners,
    StreamEnded,
)
from switchkit.realtime.revocations import (
    SESSION_REVOKED,
    RevocationReason,
    SessionRevoked,
    watch_revocations,
)
from switchkit.realtime.sse import ResumeAfter, end_event, json_event, resume_after

__all__ = [
    "EXPIRED",
    "SESSION_REVOKED",
    "SHUTTING_DOWN",
    "SIGNED_OUT",
    "TOO_SLOW",
    "Listener",
    "Listeners",
    "ResumeAfter",
    "RevocationReason",
    "SessionRevoked",
    "StreamEnded",
    "end_event",
    "json_event",
    "resume_after",
    "watch_revocations",
]
