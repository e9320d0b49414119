"""Malformed client messages through the real send handler (docs/protocol.md,
"Client to server" and the error table): each is answered with its documented
code on the route API Gateway would give it ($default for anything whose
action is not exactly "sendMessage"), nothing of it touches the canvas, refs
come back exactly as written, range errors quote the value given, and the
server keeps placing afterwards and loses nothing.

The stack is test_scenario's: the handlers as Lambda runs them, against TLS
redis-server and the local AWS.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.local_lambda import websocket_event  # noqa: E402
from test_scenario import BASE, Stack, assert_same_canvas, make_stack  # noqa: E402,F401

PLACE = '{"action":"sendMessage","type":"place","pixels":[[1,1,5]]'

# (frame text, code, what must appear in the message)
MALFORMED = [
    # A NUL in a string is refused, whichever string holds it.
    ('{"action":"sendMessage","type":"place\\u0000zzz","pixels":[[1,1,5]]}', "InvalidJson", "U+0000"),
    ('{"action":"sendMessage","type":"catchup\\u0000zzz"}', "InvalidJson", "U+0000"),
    ('{"action":"sendMessage\\u0000x","type":"place","pixels":[[1,1,5]]}', "InvalidJson", "U+0000"),
    (PLACE + ',"ref":"a\\u0000bcd"}', "InvalidJson", "U+0000"),
    # Raw NUL bytes in the frame: API Gateway's event carries them as \u0000.
    (PLACE + ',"ref":"a\x00bcd"}', "InvalidJson", "NUL"),
    (PLACE + '}\x00{"junk":1}', "InvalidJson", "NUL"),
    # Not a JSON object with the one action.
    ("not json at all", "InvalidJson", "not JSON"),
    ('["place"]', "InvalidJson", "object"),
    ("{}", "InvalidJson", "sendMessage"),
    ('{"type":"place","pixels":[[1,1,5]]}', "InvalidJson", "sendMessage"),
    ('{"action":"place","type":"place","pixels":[[1,1,5]]}', "InvalidJson", "sendMessage"),
    ('{"action":"sendMessage","type":"place","pixels":[[NaN,1,5]]}', "InvalidJson", "not JSON"),
    ('{"action":"sendMessage","type":"place","pixels":[[1,1,5]],"pad":' + "[" * 1000 + "]" * 1000 + "}",
     "InvalidJson", "nest"),
    (PLACE + ',"ref":"\\ud800"}', "InvalidJson", "surrogate"),
    ('{"action":"sendMessage","type":"catchup","type":"place","pixels":[[1,1,5]]}', "InvalidJson", "more than once"),
    # Over the size limit, however it is built.
    ('{"action":"sendMessage","type":"place","pixels":[[1,1,5]],"pad":' + "[" * 40000 + "]" * 40000 + "}",
     "MessageTooLarge", "65536"),
    # Range errors quote the value given.
    ('{"action":"sendMessage","type":"place","pixels":[[18446744073709551616,1,5]]}', "PixelOutOfRange",
     "x 18446744073709551616 is outside"),
    ('{"action":"sendMessage","type":"place","pixels":[[1,1,4294967296]]}', "ColourOutOfRange",
     "colour 4294967296 is not"),
    ('{"action":"sendMessage","type":"catchup","since":18446744073709551616}', "InvalidSince",
     "18446744073709551616"),
    ('{"action":"sendMessage","type":"catchup","since":9007199254740993}', "InvalidSince", "9007199254740993"),
    # A ref that cannot be echoed as written, and says why.
    (PLACE + ',"ref":' + "1" * 65 + "}", "InvalidRef", "64 characters"),
    (PLACE + ',"ref":"' + "r" * 65 + '"}', "InvalidRef", "64 bytes"),
]


def route_of(frame: str) -> str:
    """The route API Gateway selects with $request.body.action."""
    try:
        body = json.loads(frame)
    except (ValueError, RecursionError):
        return "$default"
    return "sendMessage" if isinstance(body, dict) and body.get("action") == "sendMessage" else "$default"


def catchups_sent(stack: Stack, connection_id: str) -> int:
    return sum(m.get("type") == "caughtup" for m in stack.aws.connection_messages(connection_id))


def send_frame(stack: Stack, connection_id: str, frame: str) -> None:
    event = websocket_event(route_of(frame), connection_id, body=frame)
    result = stack.functions["send"].invoke(event)
    assert result.ok and result.payload == {"statusCode": 200}, result


def test_malformed_messages_get_their_documented_codes_and_nothing_is_lost(make_stack):
    stack = make_stack(width=16, height=16, depth=4, max_batch=5)
    client = stack.connect("strict")
    stack.pump()
    stack.place(client, [[0, 0, 3]], ref=1)
    stack.pump()
    stack.update(client)
    assert client.answers[-1]["type"] == "placed", client.answers
    before, seq = stack.canvas(), stack.seq()
    catchups = catchups_sent(stack, "strict")

    for frame, code, words in MALFORMED:
        answered = len(client.answers)
        send_frame(stack, "strict", frame)
        stack.pump()
        stack.update(client)
        assert len(client.answers) == answered + 1, (frame[:80], client.answers[answered:])
        answer = client.answers[-1]
        assert answer["type"] == "error" and answer["code"] == code, (frame[:80], answer)
        assert words in answer["message"], (frame[:80], answer)
        assert "ref" not in answer, (frame[:80], answer)  # no valid ref to echo
    # A binary frame (API Gateway closes those itself; should one arrive).
    binary = websocket_event("$default", "strict", body="AAEC")
    binary["isBase64Encoded"] = True
    assert stack.functions["send"].invoke(binary).ok
    stack.update(client)
    assert client.answers[-1]["code"] == "InvalidJson", client.answers[-1]

    assert stack.canvas() == before and stack.seq() == seq, "a refused message changed the canvas"
    assert catchups_sent(stack, "strict") == catchups, "a refused catchup ran a catch-up"
    assert stack.alive(), "a handler process died"

    # A ref comes back exactly as written, any number included.
    for ref_text, ref in (("1152921504606846977", 2**60 + 1), ("1e308", 1e308), ("-0.25", -0.25),
                          ('"a\\u00e9"', "a\u00e9")):
        send_frame(stack, "strict", PLACE + ',"ref":' + ref_text + "}")
        stack.update(client)
        answer = client.answers[-1]
        assert answer["type"] == "placed" and answer["ref"] == ref, (ref_text, answer)
        assert type(answer["ref"]) is type(ref), (ref_text, answer)

    # The server keeps placing, and every client ends with its canvas.
    other = stack.connect("other")
    for n in range(20):
        stack.place(other if n % 2 else client, [[n % 16, 2 + n // 16, 1 + n % 15]])
    stack.pump()
    stack.update(client, other)
    assert stack.seq() == seq + 4 + 20, "placements were lost"
    assert_same_canvas(stack, client, other)

    # The figures handler (what scribblectl status shows) counts the pixels placed, not the
    # refused messages, and both connections.
    figures = stack.functions["figures"].invoke({})
    assert figures.ok and figures.payload == {
        "connections": 2, "seq": seq + 24, "placedLastMinute": 25, "placedLastHour": 25}, figures
