"""scribblectl validate: the shipped scribble.ini is clean; every class of bad
input is reported as file:line: key: given; allowed, all of them at once, on
stderr with exit status 2; and validate makes no network call at all."""
import json
import os
import select
import shutil
import socket
import subprocess

import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SOURCE = os.environ["SCRIBBLE_SOURCE_DIR"]
SECTIONS = ("[stack], [aws], [network], [cache], [queues], [tables], [functions], [schedules], [site], "
            "[canvas], [limits], [local], [domain], [tags]")
STACK_NAME_RULE = ("1 to 24 lowercase letters, digits and single hyphens, starting with a letter, "
                   "not ending with a hyphen")


def environment(**extra):
    """The test's environment without any AWS_ setting that could change the outcome."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(extra)
    return env


def scribblectl(cwd, *args, env=None, prefix=()):
    return subprocess.run([*prefix, SCRIBBLECTL, *args], capture_output=True, text=True, cwd=cwd,
                          env=env or environment(), timeout=60)


def test_shipped_scribble_ini_is_clean():
    result = scribblectl(SOURCE, "validate")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[0] == (
        "scribble.ini: OK (stack scribble, region from AWS_REGION or the profile, canvas 1000x1000 depth 1)")
    assert result.stdout.splitlines()[1:] == [
        "limits:",
        "  messages: API Gateway takes 500 a second on each route, in bursts of up to 1000",
        "  placing: no cooldown, up to 100 pixels a message",
        "  catch-ups: one every 2 s per connection, 60 a minute per address",
        "  broadcasts: at most 2 pixel messages a second to each connection; pixels placed in between "
        "go in the next",
        "  Lambda: no reserved concurrency; the functions share the account's",
    ], result.stdout


def test_limits_are_explained(tmp_path):
    (tmp_path / "limits.ini").write_text(
        "[canvas]\ncooldown = 300\nmax_batch = 4\n[limits]\naddress_allowance = 12\n"
        "address_catchups = 0\nbroadcast_rate = 1\nroute_concurrency = 20\nworker_concurrency = 2\n")
    lines = scribblectl(tmp_path, "validate", "limits.ini").stdout.splitlines()
    assert lines[3:] == [
        "  placing: a connection waits 300 s per pixel placed (up to 4 a message); all connections of "
        "one address place 12 pixels per 300 s together",
        "  catch-ups: one every 2 s per connection; no limit by address",
        "  broadcasts: at most 1 pixel message a second to each connection; pixels placed in between go "
        "in the next",
        "  Lambda: 20 executions reserved for each of connect, disconnect and send, 2 for each of "
        "broadcast, catchup, snapshot and save (up and doctor check the account has room)",
    ], lines


PLACE = "[stack]\nname = place\n[aws]\nregion = eu-west-3\n[canvas]\nwidth = 640\nheight = 480\ndepth = 4\n"


def test_file_argument_and_config_option(tmp_path):
    (tmp_path / "place.ini").write_text(PLACE)
    (tmp_path / "other.ini").write_text("[stack]\nname = other\n")
    want = "place.ini: OK (stack place, region eu-west-3, canvas 640x480 depth 4)\n"
    assert scribblectl(tmp_path, "validate", "place.ini").stdout.startswith(want)
    assert scribblectl(tmp_path, "--config", "place.ini", "validate").stdout.startswith(want)
    assert scribblectl(tmp_path, "--config=other.ini", "validate", "place.ini").stdout.startswith(want)


def test_global_options_are_checked_and_shown(tmp_path):
    (tmp_path / "place.ini").write_text(PLACE)
    result = scribblectl(tmp_path, "--region", "ap-southeast-2", "validate", "place.ini")
    assert result.stdout.startswith(
        "place.ini: OK (stack place, region ap-southeast-2, canvas 640x480 depth 4)\n")
    result = scribblectl(tmp_path, "--region", "ap-southest-2", "--endpoint-url", "localhost:1", "validate",
                         "place.ini")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        '--region: got "ap-southest-2"; allowed: an AWS region such as us-east-1, eu-west-3 or us-gov-west-1, '
        "or empty\n"
        '--endpoint-url: got "localhost:1"; allowed: an http:// or https:// URL such as http://localhost:5000, '
        "or empty\n")


# One file per class of bad input, and the one line it must produce.
BAD_INPUT = {
    "unknown section": ("[stack]\nname = demo\n[cach]\nmode = serverless\n",
                        "bad.ini:3: [cach]: unknown section; allowed: " + SECTIONS),
    "unknown key": ("[canvas]\ncolors = 16\n",
                    "bad.ini:2: canvas.colors: unknown key; allowed in [canvas]: width, height, depth, cooldown, "
                    "max_batch"),
    "malformed integer": ("[canvas]\nwidth = 10px\n",
                          'bad.ini:2: canvas.width: got "10px"; allowed: an integer from 1 to 4096'),
    "out of range": ("[queues]\nreceive_wait = 21\n",
                     'bad.ini:2: queues.receive_wait: got "21"; allowed: an integer from 0 to 20'),
    "not in the list": ("[canvas]\ndepth = 16\n", 'bad.ini:2: canvas.depth: got "16"; allowed: 1, 2, 4, 8 or 24'),
    "bad enum": ("[functions]\narchitecture = arm\n",
                 'bad.ini:2: functions.architecture: got "arm"; allowed: auto, x86_64 or arm64'),
    "bad boolean": ("[queues]\ntype = fifo\ncontent_based_deduplication = 1\n",
                    'bad.ini:3: queues.content_based_deduplication: got "1"; allowed: true or false'),
    "bad region": ("[aws]\nregion = us-east\n",
                   'bad.ini:2: aws.region: got "us-east"; allowed: an AWS region such as us-east-1, eu-west-3 or '
                   "us-gov-west-1, or empty"),
    "bad stack name": ("[stack]\nname = Scribble\n", 'bad.ini:2: stack.name: got "Scribble"; allowed: ' + STACK_NAME_RULE),
    "empty value": ("[stack]\nname =\n", "bad.ini:2: stack.name: got an empty value; allowed: " + STACK_NAME_RULE),
    "missing required": ("[tables]\nbilling = provisioned\nread_capacity = 5\n",
                         "bad.ini:1: tables.write_capacity: missing; allowed: an integer from 1 to 40000, "
                         "required when tables.billing = provisioned"),
    "setting of another mode": ("[cache]\nreplicas = 2\n",
                                'bad.ini:2: cache.replicas: got "2", but cache.mode is serverless (the default); '
                                "allowed: only when cache.mode = replication-group"),
    "cross-field": ("[canvas]\nwidth = 4096\nheight = 4096\ndepth = 24\n",
                    "bad.ini:4: canvas.depth: got canvas.width = 4096, canvas.height = 4096, canvas.depth = 24; "
                    "allowed: canvas.width x canvas.height x canvas.depth at most 67108864 bits (8 MiB): the "
                    "canvas is one cache value, read whole by every snapshot"),
    "visibility shorter than the worker timeout": (
        "[functions]\nworker_timeout = 120\n[queues]\nvisibility_timeout = 90\n",
        "bad.ini:4: queues.visibility_timeout: got queues.visibility_timeout = 90, functions.worker_timeout = 120; "
        "allowed: queues.visibility_timeout 0 (6 x functions.worker_timeout) or at least functions.worker_timeout "
        "(Lambda refuses a queue whose messages could reappear while still being handled)"),
    "dead letters kept less long than messages": (
        "[queues]\nretention_days = 10\ndead_letter_retention_days = 7\n",
        "bad.ini:3: queues.dead_letter_retention_days: got queues.retention_days = 10, "
        "queues.dead_letter_retention_days = 7; allowed: queues.dead_letter_retention_days at least "
        "queues.retention_days (a message moved to a standard dead-letter queue keeps the time it was first "
        "sent, so a shorter retention there could drop it on arrival)"),
    "receive count out of range": ("[queues]\nmax_receive_count = 0\n",
                                   'bad.ini:2: queues.max_receive_count: got "0"; allowed: an integer from 1 to 1000'),
    "set twice": ("[canvas]\nwidth = 10\nwidth = 20\n",
                  "bad.ini:3: canvas.width: set again (first at line 2); allowed: once"),
    "not key = value": ("[canvas]\nwidth\n",
                        'bad.ini:2: syntax: got "width"; allowed: key = value, [section], or a comment starting '
                        "with ; or #"),
    "unclosed section": ("[canvas\n", 'bad.ini:1: syntax: got "[canvas"; allowed: [section] with its closing ]'),
    "key outside a section": ("width = 10\n",
                              "bad.ini:1: width: got a key before any [section]; allowed: keys after a section "
                              "header such as [stack]"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_each_class_of_bad_input(tmp_path, case):
    text, line = BAD_INPUT[case]
    (tmp_path / "bad.ini").write_text(text)
    result = scribblectl(tmp_path, "validate", "bad.ini")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == line + "\n"


@pytest.mark.parametrize("url, shown", [
    ("redis://bob:hunter2@exa mple:6379", "redis://bob:****@exa mple:6379"),
    ("rediss://:hunt@er2@no such host", "rediss://:****@no such host"),
])
def test_a_cache_url_password_is_never_shown(tmp_path, url, shown):
    (tmp_path / "s.ini").write_text(f"[local]\ncache_url = {url}\n")
    result = scribblectl(tmp_path, "validate", "s.ini")
    assert result.returncode == 2
    assert f's.ini:2: local.cache_url: got "{shown}"' in result.stderr
    assert "hunt" not in result.stderr and "er2" not in result.stderr


def test_every_error_at_once_in_line_order(tmp_path):
    (tmp_path / "bad.ini").write_text(
        "[canvas]\ndepth = 16\n"
        "[stack]\nname = Scribble\n"
        "[functions]\narchitecture = arm\n"
        "[cach]\n"
        "[queues]\nreceive_wait = 21\n")
    result = scribblectl(tmp_path, "validate", "bad.ini")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'bad.ini:2: canvas.depth: got "16"; allowed: 1, 2, 4, 8 or 24',
        'bad.ini:4: stack.name: got "Scribble"; allowed: ' + STACK_NAME_RULE,
        'bad.ini:6: functions.architecture: got "arm"; allowed: auto, x86_64 or arm64',
        "bad.ini:7: [cach]: unknown section; allowed: " + SECTIONS,
        'bad.ini:9: queues.receive_wait: got "21"; allowed: an integer from 0 to 20',
    ]


def test_missing_file(tmp_path):
    result = scribblectl(tmp_path, "validate")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "scribble.ini: cannot read: No such file or directory\n"
    result = scribblectl(tmp_path, "--config", "nowhere.ini", "validate")
    assert (result.returncode, result.stderr) == (2, "nowhere.ini: cannot read: No such file or directory\n")


def test_usage(tmp_path):
    assert scribblectl(tmp_path, "validate", "--help").returncode == 0
    assert "usage: scribblectl [global options] validate [--output text|json] [FILE]" in scribblectl(
        tmp_path, "validate", "-h").stdout
    result = scribblectl(tmp_path, "validate", "a.ini", "b.ini")
    assert result.returncode == 2 and "usage:" in result.stderr
    assert scribblectl(tmp_path, "validate", "--bogus").returncode == 2


def test_makes_no_network_call(tmp_path):
    """Every way the AWS client could be sent somewhere points at a listener
    this test opens; after validate has exited, nothing has connected to it
    (a connection would already be queued: the kernel completes it on connect)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        url = "http://127.0.0.1:%d" % listener.getsockname()[1]
        env = environment(AWS_ENDPOINT_URL=url, AWS_ENDPOINT_URL_STS=url, HTTPS_PROXY=url, HTTP_PROXY=url,
                          ALL_PROXY=url, https_proxy=url, http_proxy=url, all_proxy=url,
                          AWS_EC2_METADATA_SERVICE_ENDPOINT=url, AWS_CONTAINER_CREDENTIALS_FULL_URI=url + "/c",
                          AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="not-a-secret",
                          AWS_REGION="us-east-1")
        (tmp_path / "scribble.ini").write_text("[aws]\nendpoint_url = %s\nregion = us-east-1\n" % url)
        (tmp_path / "bad.ini").write_text("[aws]\nendpoint_url = %s\nregion = nowhere\n" % url)
        ok = scribblectl(tmp_path, "--endpoint-url", url, "validate", env=env)
        bad = scribblectl(tmp_path, "validate", "bad.ini", env=env)
        assert ok.returncode == 0, ok.stderr
        assert bad.returncode == 2, bad.stderr
        readable, _, _ = select.select([listener], [], [], 0)
        assert not readable, "validate connected to " + url


def strace_works():
    if not shutil.which("strace"):
        return False
    return subprocess.run(["strace", "-o", os.devnull, "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not strace_works(), reason="strace missing or ptrace not permitted")
def test_opens_no_socket(tmp_path):
    """Stronger than the listener: validate does not even create a socket."""
    trace = tmp_path / "trace"
    (tmp_path / "scribble.ini").write_text("[aws]\nendpoint_url = http://127.0.0.1:9\n")
    asan = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))  # LSan cannot run under ptrace
    env = environment(ASAN_OPTIONS=asan, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    result = scribblectl(tmp_path, "validate", env=env,
                         prefix=("strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace)))
    assert result.returncode == 0, result.stderr
    calls = [line for line in trace.read_text().splitlines() if "socket(" in line or "connect(" in line]
    assert calls == [], "validate made network calls:\n" + "\n".join(calls)


DNS_NAME = ("a DNS name such as canvas.example.com: two labels or more of lower-case letters, digits "
            "and hyphens, no trailing dot, or empty")


@pytest.mark.parametrize("ini, want", [
    ("name = canvas.example.com\n", ("canvas.example.com", "ws.canvas.example.com", "example.com")),
    ("name = example.com\n", ("example.com", "ws.example.com", "example.com")),
    ("name = a.b.example.co.uk\nwebsocket_name = live.example.co.uk\nzone = example.co.uk\n",
     ("a.b.example.co.uk", "live.example.co.uk", "example.co.uk")),
])
def test_a_domain_and_its_defaults(tmp_path, ini, want):
    (tmp_path / "d.ini").write_text("[domain]\n" + ini)
    text = scribblectl(tmp_path, "validate", "d.ini")
    assert text.returncode == 0, text.stderr
    name, websocket, zone = want
    assert text.stdout.splitlines()[1] == (
        f"domain: the page at https://{name}/, the WebSocket at wss://{websocket}/, in the Route 53 "
        f"zone {zone}"), text.stdout
    doc = json.loads(scribblectl(tmp_path, "validate", "d.ini", "--output", "json").stdout)
    assert doc["domain"] == {"name": name, "websocket_name": websocket, "zone": zone}, doc


def test_no_domain_is_null_and_unsaid(tmp_path):
    (tmp_path / "d.ini").write_text("")
    assert "domain" not in scribblectl(tmp_path, "validate", "d.ini").stdout
    assert json.loads(scribblectl(tmp_path, "validate", "d.ini", "--output", "json").stdout)[
        "domain"] is None


@pytest.mark.parametrize("ini, error", [
    ("name = Canvas.example.com\n", f'd.ini:2: domain.name: got "Canvas.example.com"; allowed: {DNS_NAME}'),
    ("name = canvas.example.com.\n", f'd.ini:2: domain.name: got "canvas.example.com."; allowed: {DNS_NAME}'),
    ("name = localhost\n", f'd.ini:2: domain.name: got "localhost"; allowed: {DNS_NAME}'),
    ("name = -x.example.com\n", f'd.ini:2: domain.name: got "-x.example.com"; allowed: {DNS_NAME}'),
    ("zone = example.com\n", "d.ini:2: domain.zone: got domain.name = , domain.websocket_name = , "
     "domain.zone = example.com; allowed: domain.websocket_name and domain.zone only with domain.name"),
    ("name = canvas.example.com\nwebsocket_name = ws.other.org\n",
     "d.ini:3: domain.websocket_name: got domain.name = canvas.example.com, domain.websocket_name = "
     "ws.other.org, domain.zone = ; allowed: domain.name and domain.websocket_name in domain.zone "
     "(by default domain.name without its first label): the zone's name itself, or ending in a dot "
     "and the zone's name (Route 53 answers only for names in the zone)"),
    ("name = canvas.example.com\nzone = notexample.com\n",
     "d.ini:3: domain.zone: got domain.name = canvas.example.com, domain.websocket_name = , "
     "domain.zone = notexample.com; allowed: domain.name and domain.websocket_name in domain.zone "
     "(by default domain.name without its first label): the zone's name itself, or ending in a dot "
     "and the zone's name (Route 53 answers only for names in the zone)"),
    ("name = example.com\nwebsocket_name = example.com\n",
     "d.ini:3: domain.websocket_name: got domain.name = example.com, domain.websocket_name = "
     "example.com; allowed: domain.websocket_name other than domain.name (the page and the "
     "WebSocket need a name each)"),
])
def test_a_domain_refused(tmp_path, ini, error):
    (tmp_path / "d.ini").write_text("[domain]\n" + ini)
    result = scribblectl(tmp_path, "validate", "d.ini")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", error + "\n")
