"""A client of docs/protocol.md, as a browser applies it, for the scenario tests.

It keeps, for every pixel, the colour it shows and the seq that colour came
from, and applies what it receives by the protocol's two rules (a pixel wins
when its seq is newer; a snapshot at S replaces every pixel whose seq is at
most S). Snapshots are fetched from the bucket and decoded with pypng, a PNG
decoder independent of the runtime's libpng. It also tracks `known`, the
highest seq up to which it has received every seq, as a page does to spot
gaps and to reconnect with ?since=.
"""

from __future__ import annotations

import io
import json
from typing import Any, Callable

import png


def decode_png(data: bytes, depth: int) -> list[int]:
    """A PNG's pixels as colour values: palette indices for depths 1-8, 0xRRGGBB for 24."""
    width, height, rows, info = png.Reader(bytes=data).read()
    values: list[int] = []
    for row in rows:
        row = list(row)
        if depth == 24:
            assert info["planes"] == 3 and info["bitdepth"] == 8, info
            values.extend((row[i] << 16) | (row[i + 1] << 8) | row[i + 2] for i in range(0, len(row), 3))
        else:
            assert "palette" in info and info["bitdepth"] == depth, info
            values.extend(row)
    assert len(values) == width * height, (len(values), width, height)
    return values


def decode_canvas(bits: bytes, width: int, height: int, depth: int) -> list[int]:
    """The cache's canvas value read by canvas.h's rule: pixel i at bits
    [i*depth, (i+1)*depth) from the most significant bit of byte 0; bits past
    the end of the value read 0."""
    total = width * height
    size = (total * depth + 7) // 8
    padded = bits[:size] + bytes(size - min(len(bits), size))
    number = int.from_bytes(padded, "big")
    length = size * 8
    mask = (1 << depth) - 1
    return [(number >> (length - (i + 1) * depth)) & mask for i in range(total)]


class ProtocolClient:
    def __init__(self, connection_id: str, width: int, height: int, depth: int,
                 fetch: Callable[[str], bytes]):
        self.connection_id = connection_id
        self.width, self.height, self.depth = width, height, depth
        self.colours = [0] * (width * height)
        self.seqs = [0] * (width * height)
        self.fetch = fetch
        self.received: set[int] = set()
        self.known = 0
        self.caught_up: int | None = None
        self.snapshots: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []  # placed and error messages
        self.consumed = 0

    def apply(self, messages: list[dict[str, Any]]) -> None:
        """Applies the messages received since the last call (all of them, in order)."""
        for message in messages[self.consumed:]:
            kind = message["type"]
            if kind == "pixels":
                for seq, x, y, colour in message["pixels"]:
                    self._pixel(seq, x, y, colour)
            elif kind == "snapshot":
                self._snapshot(message)
            elif kind == "caughtup":
                self.caught_up = message["seq"]
                self.known = max(self.known, message["seq"])
                self._advance()
            elif kind in ("placed", "error"):
                self.answers.append(message)
            else:
                raise AssertionError(f"unknown message {message}")
        self.consumed = len(messages)

    def _pixel(self, seq: int, x: int, y: int, colour: int) -> None:
        assert 0 <= x < self.width and 0 <= y < self.height, (x, y)
        i = y * self.width + x
        if seq > self.seqs[i]:
            self.seqs[i], self.colours[i] = seq, colour
        self.received.add(seq)
        self._advance()

    def _advance(self) -> None:
        while self.known + 1 in self.received:
            self.known += 1

    def _snapshot(self, message: dict[str, Any]) -> None:
        assert (message["width"], message["height"], message["depth"]) == (
            self.width, self.height, self.depth), message
        seq = message["seq"]
        if message["url"] is None:
            pixels = [0] * (self.width * self.height)
        else:
            pixels = decode_png(self.fetch(message["url"]), self.depth)
        for i, colour in enumerate(pixels):
            if self.seqs[i] <= seq:
                self.seqs[i], self.colours[i] = seq, colour
        self.snapshots.append(message)
        # A snapshot at S stands for every seq up to S.
        self.known = max(self.known, seq)
        self._advance()


def parse_messages(raw: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(m) for m in raw]
