"""Output that survives its reader going away."""

import io

import pytest

from devstack.console import TolerantStdout


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_text_reaches_a_working_stream() -> None:
    target = io.StringIO()
    out = TolerantStdout(target)
    print("hello", file=out, flush=True)
    assert target.getvalue() == "hello\n"


@pytest.mark.parametrize("stream", [_ClosedPipe(), io.StringIO()])
def test_a_broken_or_closed_stream_swallows_output(stream: io.StringIO) -> None:
    if not isinstance(stream, _ClosedPipe):
        stream.close()
    out = TolerantStdout(stream)
    print("lost", file=out, flush=True)
    print("still lost", file=out, flush=True)
    assert out.write("gone") == len("gone")
