"""Cutting output into prefixed lines, and writing it out whatever happens to the reader."""

import os
import threading
import time

from devstack.relay import Clock, Lines, Output, labels

NOON = time.mktime((2025, 1, 1, 12, 0, 0, 0, 0, -1))


def _lines(name: str = "auth", names: tuple[str, ...] = ("auth",)) -> Lines:
    return Lines(labels(names, colour=False)[name], Clock(lambda: NOON + 0.5))


def test_every_line_of_a_chunk_gets_the_time_and_the_name() -> None:
    assert (
        _lines().feed(b'{"a":1}\n{"b":2}\n')
        == b'12:00:00 auth | {"a":1}\n12:00:00 auth | {"b":2}\n'
    )


def test_names_are_padded_to_the_longest_so_the_lines_align() -> None:
    lines = _lines("auth", ("auth", "reviews.1"))
    assert lines.feed(b"x\n") == b"12:00:00 auth      | x\n"


def test_a_line_split_across_reads_waits_for_its_end() -> None:
    lines = _lines()
    assert lines.feed(b"first\nsec") == b"12:00:00 auth | first\n"
    assert lines.feed(b"o") == b""
    assert lines.feed(b"nd\n") == b"12:00:00 auth | second\n"


def test_a_last_line_without_newline_comes_out_at_the_end() -> None:
    lines = _lines()
    lines.feed(b"one\ntwo")
    assert lines.finish() == b"12:00:00 auth | two\n"
    assert lines.finish() == b""


def test_empty_lines_keep_their_prefix() -> None:
    assert _lines().feed(b"\n\n") == b"12:00:00 auth | \n12:00:00 auth | \n"


def test_on_a_terminal_each_name_has_its_colour() -> None:
    coloured = labels(["auth", "inventory"], colour=True)
    assert coloured["auth"] == (b"\033[0m\033[36m", b" auth      | \033[0m")
    assert coloured["inventory"][0] == b"\033[0m\033[33m"


def test_the_clock_formats_once_a_second() -> None:
    now = [NOON]
    clock = Clock(lambda: now[0])
    first = clock.stamp()
    now[0] += 0.9
    assert clock.stamp() is first
    now[0] += 0.2
    assert clock.stamp() == b"12:00:01"


def test_output_arrives_whole_even_when_the_pipe_takes_it_in_parts() -> None:
    read_end, write_end = os.pipe()
    data = bytes(range(256)) * 4096  # 1 MiB: more than a pipe holds at once
    received = bytearray()

    def drain() -> None:
        while chunk := os.read(read_end, 65536):
            received.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        Output(write_end).write(data)
    finally:
        os.close(write_end)
        reader.join()
        os.close(read_end)
    assert bytes(received) == data


def test_output_is_dropped_once_its_reader_is_gone() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    out = Output(write_end)
    try:
        out.write(b"lost\n")
        out.write(b"still lost\n")
    finally:
        os.close(write_end)
    assert out.broken
