"""Malformed frames through `scribblectl local` with a real WebSocket client:
the local gateway routes what no route matches to $default, as API Gateway
does, so every malformed text frame is answered by the send handler with the
protocol's error code (docs/protocol.md) rather than "Forbidden"; binary
frames and text that is not UTF-8 close the connection (1003, 1007); and the
server keeps placing afterwards, losing nothing: the canvas it serves holds
every accepted placement.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from websockets.exceptions import ConnectionClosed

from local_app import LocalApp, catch_up, make_config, open_websocket, recv_until

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime"))
from protocol_client import decode_png  # noqa: E402

PLACE = '{"action":"sendMessage","type":"place","pixels":[[1,1,1]]'

# (frame text, code, what the message must say)
MALFORMED = [
    ("not json at all", "InvalidJson", "not JSON"),
    ('["place"]', "InvalidJson", "object"),
    ("{}", "InvalidJson", "sendMessage"),
    ('{"type":"place","pixels":[[1,1,1]]}', "InvalidJson", "sendMessage"),
    ('{"action":"nope","type":"place","pixels":[[1,1,1]]}', "InvalidJson", "sendMessage"),
    ('{"action":"sendMessage","type":"place","pixels":[[NaN,1,1]]}', "InvalidJson", "not JSON"),
    ('{"action":"sendMessage","type":"place","pixels":[[1,1,1]],"pad":' + "[" * 1000 + "]" * 1000 + "}",
     "InvalidJson", "nest"),
    (PLACE + ',"ref":"\\ud800"}', "InvalidJson", "surrogate"),
    ('{"action":"sendMessage","type":"place\\u0000zzz","pixels":[[1,1,1]]}', "InvalidJson", "U+0000"),
    ('{"action":"sendMessage","type":"catchup\\u0000zzz"}', "InvalidJson", "U+0000"),
    ('{"action":"sendMessage\\u0000x","type":"place","pixels":[[1,1,1]]}', "InvalidJson", "U+0000"),
    (PLACE + ',"ref":"a\\u0000bcd"}', "InvalidJson", "U+0000"),
    (PLACE + '}\x00', "InvalidJson", "NUL"),
    ('{"action":"sendMessage","type":"place","pixels":[[1,1,1]],"pad":' + "[" * 35000 + "]" * 35000 + "}",
     "MessageTooLarge", "65536"),
    ('{"action":"sendMessage","type":"place","pixels":[[18446744073709551616,1,1]]}', "PixelOutOfRange",
     "x 18446744073709551616 is outside"),
    (PLACE + ',"ref":' + "9" * 65 + "}", "InvalidRef", "64 characters"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("strict"), local={"schedule_interval": 3600})
    with LocalApp(config) as running:
        yield running
        running.check_sanitizers()


def answer_to(ws, frame: str) -> dict:
    """Sends a text frame; the error or placed answer that follows (live pixels skipped)."""
    ws.send(frame)
    got = recv_until(ws, lambda m: isinstance(m, dict) and m.get("type") in ("error", "placed"))
    return got[-1]


def test_malformed_frames_get_the_protocols_errors_and_nothing_is_lost(app):
    placed = []
    with open_websocket(app) as ws:
        catch_up(ws)
        answer = answer_to(ws, PLACE + ',"ref":"first"}')
        assert answer["type"] == "placed" and answer["ref"] == "first", answer
        placed.append(((1, 1, 1), answer["first"]))

        for frame, code, words in MALFORMED:
            answer = answer_to(ws, frame)
            assert answer.get("type") == "error" and answer.get("code") == code, (frame[:80], answer)
            assert words in answer["message"], (frame[:80], answer)
            assert "ref" not in answer, (frame[:80], answer)

        # A numeric ref beyond 2^53 comes back exactly as written.
        answer = answer_to(ws, '{"action":"sendMessage","type":"place","pixels":[[2,2,1]],"ref":1152921504606846977}')
        assert answer["type"] == "placed" and answer["ref"] == 2**60 + 1, answer
        placed.append(((2, 2, 1), answer["first"]))

        # The server keeps placing, one seq after another.
        for n in range(10):
            pixel = (3 + n, 5, 1)
            answer = answer_to(ws, json.dumps({"action": "sendMessage", "type": "place",
                                               "pixels": [list(pixel)], "ref": n}))
            assert answer["type"] == "placed" and answer["ref"] == n, answer
            placed.append((pixel, answer["first"]))
    seqs = [seq for _, seq in placed]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"seqs skipped or repeated: {seqs}"

    status, headers, body = app.get("/_local/canvas.png")
    assert status == 200 and int(headers["x-scribble-seq"]) == seqs[-1], (status, headers)
    canvas = decode_png(body, app.config.canvas["depth"])
    width = app.config.canvas["width"]
    lost = [p for p, _ in placed if canvas[p[1] * width + p[0]] != p[2]]
    assert not lost, f"accepted placements missing from the canvas: {lost}"
    assert sum(canvas) == len(placed), "a refused message changed the canvas"


@pytest.mark.parametrize("frame, code", [(b"\x00\x01\x02", 1003), ("{\xff}".encode("latin-1"), 1007)],
                         ids=["binary", "not-utf8"])
def test_binary_and_non_utf8_frames_close_the_connection(app, frame, code):
    """As API Gateway: a binary frame is refused with 1003; a text frame must be UTF-8 (1007)."""
    with open_websocket(app) as ws:
        catch_up(ws)
        ws.send(frame, text=(code == 1007))
        with pytest.raises(ConnectionClosed) as closed:
            recv_until(ws, lambda m: False, timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code, closed.value
