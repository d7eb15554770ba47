"""The error the runner reports to the user instead of a traceback."""

__all__ = ["DevstackError"]


class DevstackError(Exception):
    """Something the user can act on: the message says what failed and where to look."""
