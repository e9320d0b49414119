"""The cooldown follows the client's address through scribblectl local
(docs/protocol.md, "Client to server"): the gateway hands the handlers each
connection's peer address as requestContext.identity.sourceIp, as API
Gateway does, and the send handler counts pixels per address as well as
per connection.

Clients connect over real sockets from two loopback addresses (127.0.0.1
and 127.0.0.2 both reach the app's 127.0.0.1 listener).
"""

from __future__ import annotations

import json

from local_app import LocalApp, make_config, open_websocket, recv_until


def place(ws, pixels, ref):
    ws.send(json.dumps({"action": "sendMessage", "type": "place", "pixels": pixels, "ref": ref}))
    return recv_until(ws, lambda m: m.get("ref") == ref)[-1]


def test_reconnecting_keeps_the_cooldown_and_another_address_has_its_own(tmp_path):
    config = make_config(tmp_path, canvas={"cooldown": 600, "max_batch": 4},
                         settings={"limits": {"address_allowance": 1}})
    with LocalApp(config, schedule_interval=3600) as app:
        with open_websocket(app, source_address="127.0.0.1") as first:
            placed = place(first, [[0, 0, 1]], "a")
            assert placed["type"] == "placed", placed
            refused = place(first, [[1, 0, 1]], "b")
            assert refused["code"] == "Cooldown", refused
        # A new connection from the same address is still cooling down.
        with open_websocket(app, source_address="127.0.0.1") as again:
            refused = place(again, [[1, 0, 1]], "c")
            assert refused["code"] == "Cooldown" and 590_000 < refused["retryAfterMs"] <= 600_000, \
                refused
        # Another address is not.
        with open_websocket(app, source_address="127.0.0.2") as other:
            placed = place(other, [[2, 0, 1]], "d")
            assert placed["type"] == "placed" and placed["first"] == placed["last"], placed
