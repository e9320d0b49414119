"""The handlers as Lambda runs them, end to end.

Each handler runs as its own process (the host build of the same runtime
that ships), driven through the Lambda Runtime API by harness.local_lambda,
against Debian's redis-server with TLS and the local AWS: SQS, DynamoDB, S3
and the API Gateway management API (moto, with the harness's extension that
records each connection's messages and answers 410 for closed ones). The
test plays API Gateway (route events, open and closed connections), the SQS
event source mappings (pump) and the scheduler (snapshot and save). Clients
are protocol_client.ProtocolClient, which applies docs/protocol.md's rules;
every scenario ends by comparing what clients reconstructed with the
server's canvas, read from the cache and decoded independently.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from contextlib import ExitStack
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.local_lambda import LocalFunction, pump_queue, schedule_event, websocket_event  # noqa: E402
from protocol_client import ProtocolClient, decode_canvas, decode_png  # noqa: E402

STACK = "scn"
# A new stack's blank canvas stands at seq 0 (runtime/restore.c); seqs here are counted from
# BASE. A canvas loaded into a lost cache stands above the durable seq mark, which grows a
# block at a time (runtime/seq_mark.h).
BASE = 0
SEQ_MARK_BLOCK = 100_000
BUCKET = "scn-site"
HANDLERS = ("connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save", "figures")


class Stack:
    """The stack's data resources in the local AWS, a TLS redis, and one
    LocalFunction per handler."""

    def __init__(self, aws: Any, redis: Any, exits: ExitStack, width: int, height: int, depth: int,
                 cooldown: int = 0, max_batch: int = 100, send_processes: int = 1,
                 address_allowance: int = 0, address_catchups: int = 0):
        self.aws, self.redis = aws, redis
        self.width, self.height, self.depth = width, height, depth
        self.sqs, self.ddb, self.s3 = aws.client("sqs"), aws.client("dynamodb"), aws.client("s3")
        self.pixel_queue = self.sqs.create_queue(QueueName=f"{STACK}-pixel-queue")["QueueUrl"]
        self.catchup_queue = self.sqs.create_queue(QueueName=f"{STACK}-catchup-queue")["QueueUrl"]
        self.ddb.create_table(
            TableName=f"{STACK}-pixels", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "idx", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "idx", "AttributeType": "N"}])
        self.ddb.create_table(
            TableName=f"{STACK}-history", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "minute", "KeyType": "HASH"},
                       {"AttributeName": "seq", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "minute", "AttributeType": "N"},
                                  {"AttributeName": "seq", "AttributeType": "N"}])
        self.s3.create_bucket(Bucket=BUCKET)
        self.env = aws.env(
            SCRIBBLE_STACK=STACK,
            SCRIBBLE_CACHE_ENDPOINT=f"{redis.host}:{redis.port}",
            SCRIBBLE_CACHE_CA_FILE=redis.ca_file,
            SCRIBBLE_CANVAS_WIDTH=str(width), SCRIBBLE_CANVAS_HEIGHT=str(height),
            SCRIBBLE_CANVAS_DEPTH=str(depth), SCRIBBLE_COOLDOWN=str(cooldown),
            SCRIBBLE_MAX_BATCH=str(max_batch), SCRIBBLE_ADDRESS_ALLOWANCE=str(address_allowance),
            SCRIBBLE_ADDRESS_CATCHUPS=str(address_catchups),
            SCRIBBLE_PIXEL_QUEUE_URL=self.pixel_queue, SCRIBBLE_CATCHUP_QUEUE_URL=self.catchup_queue,
            SCRIBBLE_PIXELS_TABLE=f"{STACK}-pixels", SCRIBBLE_HISTORY_TABLE=f"{STACK}-history",
            SCRIBBLE_BUCKET=BUCKET, SCRIBBLE_WEBSOCKET_ENDPOINT=aws.endpoint,
            SCRIBBLE_CONNECT_GRACE_MS="0", SCRIBBLE_FANOUT_CONCURRENCY="8")
        self.functions = {
            name: exits.enter_context(LocalFunction(
                name, self.env, processes=send_processes if name == "send" else 1))
            for name in HANDLERS}
        self.accepted = 0
        self.source_ips: dict[str, str] = {}

    # -- API Gateway's side -----------------------------------------------------
    def connect(self, connection_id: str, since: int | None = None,
                resume: ProtocolClient | None = None, source_ip: str = "127.0.0.1") -> ProtocolClient:
        """A new connection from source_ip; resume: a client reconnecting with what it
        had, from its known seq."""
        if resume is not None:
            since = resume.known
        self.aws.open_connection(connection_id)
        self.source_ips[connection_id] = source_ip
        query = {"since": str(since)} if since is not None else None
        result = self.functions["connect"].invoke(
            websocket_event("$connect", connection_id, query=query, source_ip=source_ip))
        assert result.ok and result.payload == {"statusCode": 200}, result
        client = ProtocolClient(connection_id, self.width, self.height, self.depth, self.fetch)
        if resume is not None:
            client.colours, client.seqs = list(resume.colours), list(resume.seqs)
            client.known = resume.known
        return client

    def disconnect(self, client: ProtocolClient) -> None:
        self.aws.close_connection(client.connection_id)
        result = self.functions["disconnect"].invoke(websocket_event("$disconnect", client.connection_id))
        assert result.ok, result

    def send(self, client: ProtocolClient, message: dict[str, Any] | str) -> None:
        body = message if isinstance(message, str) else __import__("json").dumps(
            {"action": "sendMessage", **message})
        result = self.functions["send"].invoke(websocket_event(
            "sendMessage", client.connection_id, body=body,
            source_ip=self.source_ips.get(client.connection_id, "127.0.0.1")))
        assert result.ok and result.payload == {"statusCode": 200}, result

    def place(self, client: ProtocolClient, pixels: list[list[int]], ref: Any = None) -> None:
        message: dict[str, Any] = {"type": "place", "pixels": pixels}
        if ref is not None:
            message["ref"] = ref
        self.send(client, message)

    # -- Lambda's side ----------------------------------------------------------
    def pump(self) -> None:
        """Feeds both queues to their functions until both are empty."""
        while (pump_queue(self.sqs, self.pixel_queue, self.functions["broadcast"])
               + pump_queue(self.sqs, self.catchup_queue, self.functions["catchup"])):
            pass

    def snapshot(self) -> dict[str, Any]:
        result = self.functions["snapshot"].invoke(schedule_event())
        assert result.ok, result
        return result.payload

    def save(self) -> dict[str, Any]:
        result = self.functions["save"].invoke(schedule_event())
        assert result.ok, result
        return result.payload

    # -- looking -----------------------------------------------------------------
    def fetch(self, url: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=url)["Body"].read()

    def canvas(self) -> list[int]:
        bits = self.redis.command("GET", f"{{{STACK}}}:canvas") or b""
        return decode_canvas(bits, self.width, self.height, self.depth)

    def seq(self) -> int:
        return int(self.redis.command("GET", f"{{{STACK}}}:seq") or 0)

    def update(self, *clients: ProtocolClient) -> None:
        for client in clients:
            client.apply(self.aws.connection_messages(client.connection_id))

    def history(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in self.ddb.get_paginator("scan").paginate(TableName=f"{STACK}-history"):
            items.extend(page["Items"])
        return items

    def pixels_table(self) -> dict[int, tuple[int, int]]:
        table = {}
        for page in self.ddb.get_paginator("scan").paginate(TableName=f"{STACK}-pixels"):
            for item in page["Items"]:
                if "colour" in item:  # not the seq mark (runtime/seq_mark.h)
                    table[int(item["idx"]["N"])] = (int(item["colour"]["N"]), int(item["seq"]["N"]))
        return table

    def connections_received(self) -> int:
        """redis's count of connections ever accepted (this reading's own included)."""
        info = self.redis.command("INFO", "stats").decode()
        return int(next(line.split(":")[1] for line in info.splitlines()
                        if line.startswith("total_connections_received:")))

    def alive(self) -> bool:
        return all(f.alive() for f in self.functions.values())


@pytest.fixture
def make_stack(local_aws, local_redis):
    with ExitStack() as exits:
        def make(**kwargs: Any) -> Stack:
            return Stack(local_aws, local_redis, exits, **kwargs)
        yield make


def random_pixels(rng: random.Random, stack: Stack, count: int) -> list[list[int]]:
    return [[rng.randrange(stack.width), rng.randrange(stack.height), rng.randrange(1 << min(stack.depth, 24))]
            for _ in range(count)]


def assert_same_canvas(stack: Stack, *clients: ProtocolClient) -> None:
    server = stack.canvas()
    for client in clients:
        differing = [i for i in range(len(server)) if client.colours[i] != server[i]]
        assert not differing, (
            f"{client.connection_id} differs from the server at {len(differing)} pixels, e.g. "
            f"{[(i % stack.width, i // stack.width, client.colours[i], server[i]) for i in differing[:5]]}")


def test_clients_see_each_others_pixels_late_joiners_catch_up_and_save_stores_each_once(make_stack):
    stack = make_stack(width=40, height=30, depth=4)
    rng = random.Random(4)
    alice, bob = stack.connect("alice="), stack.connect("bob+1=")
    stack.pump()
    stack.update(alice, bob)
    assert alice.caught_up == BASE and bob.caught_up == BASE
    assert [s["url"] for s in alice.snapshots] == [None], alice.snapshots

    stack.place(alice, [[1, 2, 3], [39, 29, 15], [1, 2, 9]], ref="first")
    stack.place(bob, random_pixels(rng, stack, 50), ref=2)
    stack.pump()
    stack.update(alice, bob)
    assert {"type": "placed", "ref": "first", "first": BASE + 1, "last": BASE + 3, "nextAt": 0} in alice.answers
    assert [a for a in bob.answers if a["type"] == "placed"][0]["first"] == BASE + 4, bob.answers
    assert stack.seq() == BASE + 53
    assert alice.known == bob.known == BASE + 53
    assert stack.canvas()[2 * 40 + 1] == 9  # the later colour of one message wins
    assert_same_canvas(stack, alice, bob)

    # Warm handlers keep their cache connection: 20 more placements and their
    # broadcasts open none (the only new one is this reading's own).
    before = stack.connections_received()
    for i in range(20):
        stack.place(alice, [[i, 0, 1]])
    stack.pump()
    stack.update(alice, bob)
    assert stack.connections_received() == before + 1
    assert alice.known == bob.known == BASE + 73

    # A late joiner before any snapshot: a blank start and every placement.
    carol = stack.connect("carol")
    stack.pump()
    stack.update(carol)
    assert carol.snapshots[0]["url"] is None and carol.caught_up == BASE + 73
    assert_same_canvas(stack, carol)

    # The snapshot decodes, independently, to exactly the canvas at its seq.
    published = stack.snapshot()
    assert published["seq"] == BASE + 73 and published["url"] == f"snapshots/{BASE + 73}.png", published
    assert decode_png(stack.fetch(f"snapshots/{BASE + 73}.png"), 4) == stack.canvas()
    latest = __import__("json").loads(stack.fetch("snapshots/latest.json"))
    assert latest["seq"] == BASE + 73 and latest["url"] == f"snapshots/{BASE + 73}.png", latest
    assert stack.snapshot().get("skipped") is True  # nothing placed since

    stack.place(carol, random_pixels(rng, stack, 20))
    stack.pump()
    dave = stack.connect("dave")
    stack.pump()
    stack.update(alice, bob, carol, dave)
    assert dave.snapshots[0]["url"] == f"snapshots/{BASE + 73}.png" and dave.caught_up == BASE + 93, dave.snapshots
    assert_same_canvas(stack, alice, bob, carol, dave)

    # save: every placement exactly once in history, the pixels table as the canvas.
    saved = stack.save()
    assert saved["placements"] == 93 and saved["saved"] == BASE + 93, saved
    assert saved["floor"] == BASE + 73, saved  # trimmed up to the snapshot, not past it
    history = stack.history()
    assert sorted(int(i["seq"]["N"]) for i in history) == list(range(BASE + 1, BASE + 94))
    first = next(i for i in history if i["seq"]["N"] == str(BASE + 1))
    assert (first["x"]["N"], first["y"]["N"], first["colour"]["N"]) == ("1", "2", "3"), first
    server = stack.canvas()
    table = stack.pixels_table()
    assert {i: c for i, (c, _) in table.items()} == {i: server[i] for i in table}, "a pixel's colour differs"
    assert all(server[i] == 0 for i in range(len(server)) if i not in table)
    assert stack.save()["placements"] == 0
    assert len(stack.history()) == 93

    # A client reconnecting from before the floor gets the snapshot instead.
    erin = stack.connect("erin", since=BASE + 10)
    stack.pump()
    stack.update(erin)
    assert erin.snapshots and erin.snapshots[0]["seq"] == BASE + 73
    assert_same_canvas(stack, erin)
    # One reconnecting from after it gets only what it lacks.
    frank = stack.connect("frank", since=BASE + 90)
    stack.pump()
    stack.update(frank)
    assert not frank.snapshots
    assert [p[0] for m in stack.aws.connection_messages("frank") if m["type"] == "pixels"
            for p in m["pixels"]] == [BASE + 91, BASE + 92, BASE + 93]
    assert stack.alive()


def test_save_that_stops_half_way_stores_nothing_twice(make_stack):
    stack = make_stack(width=20, height=20, depth=1)
    rng = random.Random(7)
    client = stack.connect("c")
    for _ in range(6):
        stack.place(client, random_pixels(rng, stack, 30))
    assert stack.save()["placements"] == 180
    # As if the first save had died after writing the tables but before
    # recording them: the next one writes the same items again.
    stack.redis.command("DEL", f"{{{STACK}}}:saved")
    assert stack.save()["placements"] == 180
    assert sorted(int(i["seq"]["N"]) for i in stack.history()) == list(range(BASE + 1, BASE + 181))
    server = stack.canvas()
    assert all(server[i] == colour for i, (colour, _) in stack.pixels_table().items())
    # Without a snapshot nothing is trimmed: a new client still gets every placement.
    assert int(stack.redis.command("ZCARD", f"{{{STACK}}}:recent")) == 180


@pytest.mark.parametrize("depth", [1, 24])
def test_clients_drawing_while_others_join_and_leave_end_with_the_servers_canvas(make_stack, depth):
    stack = make_stack(width=64, height=48, depth=depth, send_processes=3)
    rng = random.Random(depth)
    clients = [stack.connect(f"c{i}") for i in range(6)]
    stack.pump()
    errors: list[BaseException] = []

    def draw(client: ProtocolClient, seed: int) -> None:
        local = random.Random(seed)
        try:
            for _ in range(15):
                stack.place(client, random_pixels(local, stack, local.randrange(1, 40)))
        except BaseException as e:  # surfaced below
            errors.append(e)

    for round_ in range(3):
        threads = [threading.Thread(target=draw, args=(c, round_ * 100 + i))
                   for i, c in enumerate(clients[:4])]
        for t in threads:
            t.start()
        # Meanwhile others leave, come back from where they were, and new ones join.
        leaving = clients.pop()
        stack.update(leaving)
        stack.disconnect(leaving)
        clients.append(stack.connect(f"n{round_}"))
        clients.append(stack.connect(f"{leaving.connection_id}r", resume=leaving))
        stack.pump()
        for t in threads:
            t.join()
        assert not errors, errors
        stack.pump()
        if round_ == 1:
            stack.snapshot()
            stack.save()
    stack.pump()
    stack.update(*clients)
    # The reconnected ones carried on from what they had: no snapshot needed.
    rejoined = [c for c in clients if c.connection_id.endswith("r")]
    assert rejoined and all(not c.snapshots for c in rejoined), [c.snapshots for c in rejoined]
    assert stack.seq() > BASE + 100
    assert all(c.known == stack.seq() for c in clients), [(c.connection_id, c.known) for c in clients]
    assert_same_canvas(stack, *clients)
    # Departed connections were forgotten; broadcasts found no gone ones left.
    members = stack.redis.command("ZRANGE", f"{{{STACK}}}:connections", 0, -1)
    assert sorted(m.decode() for m in members) == sorted(c.connection_id for c in clients)
    assert stack.alive()


def test_broadcast_forgets_connections_api_gateway_calls_gone(make_stack):
    stack = make_stack(width=8, height=8, depth=1)
    kept, lost = stack.connect("kept"), stack.connect("lost")
    stack.pump()
    stack.aws.close_connection("lost")  # gone without a $disconnect
    stack.place(kept, [[0, 0, 1]])
    result = stack.functions["broadcast"]
    messages = stack.sqs.receive_message(QueueUrl=stack.pixel_queue, MaxNumberOfMessages=10,
                                         AttributeNames=["All"])["Messages"]
    from harness.local_lambda import sqs_event
    answer = result.invoke(sqs_event(messages, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1"))
    assert answer.ok, answer
    assert answer.payload["sent"] == 1 and answer.payload["gone"] == 1, answer.payload
    assert answer.payload["forgotten"] == 1, answer.payload
    members = stack.redis.command("ZRANGE", f"{{{STACK}}}:connections", 0, -1)
    assert members == [b"kept"], members


BAD_MESSAGES = [
    ("not json at all", "InvalidJson"),
    ('{"action":"sendMessage","type":"place","pixels":[[1,2,1]]', "InvalidJson"),
    ('["place"]', "InvalidJson"),
    ('{"action":"sendMessage"}', "UnknownType"),
    ('{"action":"sendMessage","type":"erase","pixels":[[1,2,1]]}', "UnknownType"),
    ('{"action":"sendMessage","type":"place","pixels":"1,2,1"}', "InvalidPixels"),
    ('{"action":"sendMessage","type":"place","pixels":[["1",2,1]]}', "InvalidPixels"),
    ('{"action":"sendMessage","type":"place","pixels":[[1,2]]}', "InvalidPixels"),
    ('{"action":"sendMessage","type":"place","pixels":[[1.5,2,1]]}', "InvalidPixels"),
    ('{"action":"sendMessage","type":"place","pixels":[]}', "TooManyPixels"),
    ('{"action":"sendMessage","type":"place","pixels":[' + ",".join(["[1,1,1]"] * 6) + "]}", "TooManyPixels"),
    ('{"action":"sendMessage","type":"place","pixels":[[16,0,1]]}', "PixelOutOfRange"),
    ('{"action":"sendMessage","type":"place","pixels":[[0,-1,1]]}', "PixelOutOfRange"),
    ('{"action":"sendMessage","type":"place","pixels":[[0,0,1],[0,0,16]]}', "ColourOutOfRange"),
    ('{"action":"sendMessage","type":"place","pixels":[[0,0,1]],"ref":{"a":1}}', "InvalidRef"),
    ('{"action":"sendMessage","type":"catchup","since":-4}', "InvalidSince"),
    ('{"action":"sendMessage","type":"place","pixels":[[0,0,1]],"pad":"' + "x" * 70000 + '"}', "MessageTooLarge"),
]


def test_bad_messages_are_answered_and_change_nothing(make_stack):
    stack = make_stack(width=16, height=16, depth=4, max_batch=5, cooldown=60)
    client = stack.connect("mallory")
    stack.pump()
    stack.place(client, [[3, 3, 7]], ref=1)
    before, seq = stack.canvas(), stack.seq()
    stack.update(client)
    assert client.answers[-1]["type"] == "placed" and client.answers[-1]["nextAt"] > 0, client.answers

    # The cooldown refuses the next placement, saying when it may come.
    stack.place(client, [[4, 4, 2]], ref="again")
    stack.update(client)
    refused = client.answers[-1]
    assert refused["type"] == "error" and refused["code"] == "Cooldown", refused
    assert refused["ref"] == "again" and 0 < refused["retryAfterMs"] <= 60000, refused
    assert "wait" in refused["message"], refused

    for body, code in BAD_MESSAGES:
        stack.send(client, body)
        stack.update(client)
        answer = client.answers[-1]
        assert answer["type"] == "error" and answer["code"] == code, (body[:80], answer)
        assert answer["message"], answer
    # Catch-ups a client asks for are limited: the second within 2 s is refused.
    stack.send(client, {"type": "catchup", "since": 0, "ref": "c1"})
    stack.send(client, {"type": "catchup", "since": 0, "ref": "c2"})
    stack.update(client)
    throttled = client.answers[-1]
    assert throttled["code"] == "Throttled" and throttled["ref"] == "c2", throttled
    assert 0 < throttled["retryAfterMs"] <= 2000, throttled
    assert not any(a.get("ref") == "c1" for a in client.answers), "the first catch-up was refused"
    # A binary frame, and events that are not API Gateway's, are refused too.
    binary = websocket_event("sendMessage", "mallory", body="AAEC")
    binary["isBase64Encoded"] = True
    assert stack.functions["send"].invoke(binary).ok
    stack.update(client)
    assert client.answers[-1]["code"] == "InvalidJson", client.answers[-1]
    for event in ({}, {"requestContext": {"connectionId": "{stack}"}, "body": "{}"}, "[1,2]"):
        result = stack.functions["send"].invoke(event)
        assert not result.ok and result.error_type == "InvalidEvent", result
    # Queue records that are not ours are skipped without a crash.
    odd = {"Records": [{"messageId": "1", "body": "not json"}, {"messageId": "2", "body": '{"pixels":[[1,99,99,1],["x"]]}'},
                       {"messageId": "3"}]}
    assert stack.functions["broadcast"].invoke(odd).ok
    answer = stack.functions["catchup"].invoke(odd)
    assert answer.ok and answer.payload == {"batchItemFailures": []}, answer

    assert stack.canvas() == before and stack.seq() == seq, "a refused message changed the canvas"
    assert stack.alive(), "a handler process died"
    # The handlers still work: another connection places, and mallory sees it.
    other = stack.connect("other")
    stack.place(other, [[5, 5, 5]])
    stack.pump()
    stack.update(client)
    assert client.colours[5 * 16 + 5] == 5


def seq_mark(stack: Stack) -> int:
    item = stack.ddb.get_item(TableName=f"{STACK}-pixels", Key={"idx": {"N": "-1"}},
                              ConsistentRead=True).get("Item")
    return int(item["reserved"]["N"]) if item else 0


def test_an_emptied_cache_is_loaded_again_from_the_pixels_table(make_stack):
    stack = make_stack(width=32, height=16, depth=2)
    rng = random.Random(11)
    first = stack.connect("first")
    assert seq_mark(stack) == SEQ_MARK_BLOCK  # reserved when the blank canvas was loaded
    stack.place(first, random_pixels(rng, stack, 30))
    assert stack.save()["saved"] == BASE + 30
    at_save = stack.canvas()
    stack.place(first, random_pixels(rng, stack, 5))  # never saved: lost with the cache
    assert stack.seq() == BASE + 35

    stack.redis.command("FLUSHALL")  # ElastiCache replaced the cache, or local restarted
    assert stack.save().get("skipped"), "a save ran on an unloaded canvas"
    again = stack.connect("again")  # the first request that needs the canvas loads it
    loaded = SEQ_MARK_BLOCK + 1  # above every seq the lost cache could give out
    assert stack.canvas() == at_save and stack.seq() == loaded
    assert seq_mark(stack) == 2 * SEQ_MARK_BLOCK
    logs = [line["message"] for line in stack.functions["connect"].logs]
    assert any("loaded the canvas" in m and f"at seq {loaded}" in m for m in logs), logs
    stack.place(again, [[0, 0, 1]], ref="at once")
    stack.pump()
    stack.update(again)
    placed = [a for a in again.answers if a["type"] == "placed"]
    assert placed and placed[0]["ref"] == "at once" and placed[0]["first"] == loaded + 1, again.answers
    # The loader published the loaded canvas, so catch-ups start from it at once.
    assert again.snapshots[0] == {"type": "snapshot", "seq": loaded, "url": f"snapshots/{loaded}.png",
                                  "width": 32, "height": 16, "depth": 2}, again.snapshots
    assert decode_png(stack.fetch(f"snapshots/{loaded}.png"), 2) == at_save
    assert_same_canvas(stack, again)

    published = stack.snapshot()
    assert published["seq"] == loaded + 1, published
    assert decode_png(stack.fetch(f"snapshots/{loaded + 1}.png"), 2) == stack.canvas()

    # Placing carries on above the mark; nothing collides in the history.
    stack.place(again, random_pixels(rng, stack, 10))
    stack.pump()
    stack.update(again)
    assert again.known == loaded + 11
    assert_same_canvas(stack, again)
    assert stack.save()["placements"] == 11
    assert sorted(int(i["seq"]["N"]) for i in stack.history()) == list(range(BASE + 1, BASE + 31)) + list(range(loaded + 1, loaded + 12))


@pytest.mark.parametrize("reconnect", [True, False], ids=["reconnects", "stays"])
def test_a_cache_lost_before_the_first_save_never_gives_a_seq_twice(make_stack, reconnect):
    """A client that saw seqs the lost cache gave out ends with the server's canvas, whether
    it reconnects with ?since= (as the page does after a restart) or stays connected and
    catches up when it sees the gap."""
    stack = make_stack(width=32, height=16, depth=2)
    rng = random.Random(5)
    alice = stack.connect("alice")
    for _ in range(4):
        stack.place(alice, random_pixels(rng, stack, 25))
    stack.pump()
    stack.update(alice)
    assert alice.known == 100 and stack.pixels_table() == {}  # nothing saved

    stack.redis.command("FLUSHALL")  # the process or the cache died before the first save
    if reconnect:
        alice = stack.connect("alice2", resume=alice)
    bob = stack.connect("bob")
    stack.place(bob, random_pixels(rng, stack, 25), ref="b")
    stack.pump()
    stack.update(alice, bob)
    first = [a for a in bob.answers if a["type"] == "placed"][0]["first"]
    assert first > 100, "a seq the lost cache gave out was given again"
    if not reconnect:
        assert alice.known == 100  # the gap: it asks for a catch-up from what it knows
        stack.send(alice, {"type": "catchup", "since": alice.known})
        stack.pump()
        stack.update(alice)
    assert alice.known == stack.seq() == bob.known
    assert_same_canvas(stack, alice, bob)


def last_answer(stack: Stack, client: ProtocolClient) -> dict[str, Any]:
    """The client's latest answer to a message ({} when none yet)."""
    stack.update(client)
    return client.answers[-1] if client.answers else {}


def test_a_cooldown_refused_client_stays_refused_after_reconnecting_from_its_address(make_stack):
    # One pixel per minute per connection, and one per minute for an address.
    stack = make_stack(width=8, height=8, depth=1, cooldown=60, address_allowance=1)
    first = stack.connect("first", source_ip="198.51.100.7")
    stack.place(first, [[0, 0, 1]], ref="a")
    placed = last_answer(stack, first)
    assert placed["type"] == "placed", placed
    stack.place(first, [[1, 0, 1]], ref="b")
    assert last_answer(stack, first)["code"] == "Cooldown"
    # Reconnecting forgets the connection's cooldown, not the address's.
    stack.disconnect(first)
    again = stack.connect("again", source_ip="198.51.100.7")
    stack.place(again, [[1, 0, 1]], ref="c")
    refused = last_answer(stack, again)
    assert refused["code"] == "Cooldown" and refused["ref"] == "c", refused
    assert 50_000 < refused["retryAfterMs"] <= 60_000, refused
    # Another address has its own allowance, as has an IPv6 /64 of its own.
    other = stack.connect("other", source_ip="203.0.113.9")
    stack.place(other, [[2, 0, 1]], ref="d")
    assert last_answer(stack, other)["type"] == "placed"
    six = stack.connect("six", source_ip="2001:db8:1:2::10")
    stack.place(six, [[3, 0, 1]])
    assert last_answer(stack, six)["type"] == "placed"
    same_block = stack.connect("same-block", source_ip="2001:db8:1:2:ffff::1")
    stack.place(same_block, [[4, 0, 1]])
    assert last_answer(stack, same_block)["code"] == "Cooldown"
    assert stack.seq() == 3, "a refused placement changed the canvas"


def test_people_behind_one_address_share_its_allowance_and_a_batch_costs_its_size(make_stack):
    stack = make_stack(width=8, height=8, depth=1, cooldown=60, address_allowance=4, max_batch=8)
    a, b, c = (stack.connect(name, source_ip="192.0.2.1") for name in ("a", "b", "c"))
    stack.place(a, [[0, 0, 1], [1, 0, 1]])
    placed = last_answer(stack, a)
    # Two pixels: the connection waits two cooldowns.
    now = placed["nextAt"] - 120_000
    assert placed["type"] == "placed" and abs(now - time.time() * 1000) < 10_000, placed
    stack.place(b, [[2, 0, 1], [3, 0, 1]])
    assert last_answer(stack, b)["type"] == "placed"
    # The address's four pixels per cooldown are spent.
    stack.place(c, [[4, 0, 1]])
    refused = last_answer(stack, c)
    assert refused["code"] == "Cooldown" and 0 < refused["retryAfterMs"] <= 15_000, refused
    # An address that is idle gets a message larger than its allowance.
    big = stack.connect("big", source_ip="192.0.2.2")
    stack.place(big, [[x, 1, 1] for x in range(8)])
    assert last_answer(stack, big)["type"] == "placed"
    assert stack.seq() == 12


def test_catch_ups_are_limited_per_address_too(make_stack):
    stack = make_stack(width=8, height=8, depth=1, address_catchups=2)
    clients = [stack.connect(f"reader{i}", source_ip="192.0.2.50") for i in range(3)]
    for i, client in enumerate(clients):
        stack.send(client, {"type": "catchup", "since": 0, "ref": i})
    answers = [last_answer(stack, client) for client in clients]
    assert all(a.get("code") != "Throttled" for a in answers[:2]), answers
    assert answers[2]["code"] == "Throttled" and 0 < answers[2]["retryAfterMs"] <= 30_000, answers
    elsewhere = stack.connect("elsewhere", source_ip="192.0.2.51")
    stack.send(elsewhere, {"type": "catchup", "since": 0, "ref": "e"})
    assert last_answer(stack, elsewhere).get("code") != "Throttled"
