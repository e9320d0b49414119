"""Credential providers end to end, through tests/aws/credentials_probe.c.

Each test runs the probe with a temporary HOME and an environment stripped
of every AWS_* variable, so nothing of the machine's own AWS setup leaks in.
Instance metadata is pointed at a local port that refuses connections unless
a test says otherwise, so the chain never waits on 169.254.169.254.
Servers (moto for STS, small http.server stand-ins for the container and
instance metadata endpoints) listen on ports the OS assigns and are stopped
afterwards. The probe never prints a secret, only a SHA-256 prefix of it,
and several tests check that no secret reaches its output either way.
"""

import calendar
import datetime
import hashlib
import json
import os
import pathlib
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PROBE = pathlib.Path(os.environ.get("SCRIBBLE_TEST_BIN", "")) / "credentials_probe"
ACCOUNT = "123456789012"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_probe(env, *args):
    result = subprocess.run([str(PROBE), *args], env=env, capture_output=True, text=True, timeout=60)
    # Under -DSCRIBBLE_SANITIZE=ON a leak or UB report would otherwise pass for an ordinary exit 1.
    assert "Sanitizer" not in result.stderr and "runtime error:" not in result.stderr, result.stderr
    result.fetches = [dict(field.split("=", 1) for field in line.split()) for line in result.stdout.splitlines()]
    return result


def fetch(env, *args):
    """The probe's single fetch, which must succeed."""
    result = run_probe(env, *args)
    assert result.returncode == 0, f"probe failed: {result.stderr}"
    assert len(result.fetches) == 1, result.stdout
    return result.fetches[0]


def fail(env, *args):
    """The probe's error output, which must come with exit status 1."""
    result = run_probe(env, *args)
    assert result.returncode == 1, f"probe should have failed: {result.stdout}{result.stderr}"
    assert result.stdout == ""
    return result.stderr


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def refused_port():
    """A loopback port that is bound but not listening: connecting is refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


@pytest.fixture(scope="module", autouse=True)
def probe_is_built():
    if not PROBE.is_file():
        pytest.fail(f"{PROBE} is missing: build the project (SCRIBBLE_TEST_BIN points at its tests/)",
                    pytrace=False)


@pytest.fixture
def env(home, refused_port):
    """The probe's environment: no AWS_* variable and no proxy (the servers are on loopback)."""
    clean = {name: value for name, value in os.environ.items()
             if not name.startswith("AWS_") and name.lower() not in PROXY_VARIABLES}
    clean["HOME"] = str(home)
    clean["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = f"http://127.0.0.1:{refused_port}"
    return clean


class RecordingServer(ThreadingHTTPServer):
    """An HTTP server on an OS-assigned loopback port that remembers each request."""

    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.requests = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, method, path, headers):
        with self.lock:
            self.requests.append((method, path, dict(headers)))


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def serve():
    """serve(handler_class, **attributes) -> a started RecordingServer; all stopped at the end."""
    servers = []

    def start(handler, **attributes):
        server = RecordingServer(handler)
        for name, value in attributes.items():
            setattr(server, name, value)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
        server.thread.join(timeout=10)


CONTAINER_TOKEN = "container-auth-token-XYZ"
CONTAINER_KEY = {"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "container-secret",
                 "Token": "container-session-token"}


class ContainerHandler(QuietHandler):
    """The ECS credentials endpoint: answers GET /creds when the Authorization token matches."""

    def do_GET(self):
        self.server.record("GET", self.path, self.headers)
        if self.headers.get("Authorization") != self.server.token:
            return self.answer(401, json.dumps({"code": "Unauthorized", "message": "bad token"}))
        if self.path != "/creds":
            return self.answer(404, "{}")
        self.answer(200, json.dumps({**CONTAINER_KEY, "Expiration": iso(self.server.expires)}))


IMDS_TOKEN = "imds-session-token-ABC"
IMDS_ROLE = "scribble-instance-role"
IMDS_KEY = {"AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret", "Token": "imds-session-token"}
ROLES_PATH = "/latest/meta-data/iam/security-credentials/"


class ImdsHandler(QuietHandler):
    """IMDSv2: PUT /latest/api/token hands out a token; every GET without it is refused."""

    def do_PUT(self):
        self.server.record("PUT", self.path, self.headers)
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(400, "missing ttl", "text/plain")
        self.answer(200, IMDS_TOKEN, "text/plain")

    def do_GET(self):
        self.server.record("GET", self.path, self.headers)
        if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
            return self.answer(401, "", "text/plain")
        if self.path == ROLES_PATH:
            return self.answer(200, IMDS_ROLE + "\n", "text/plain")
        if self.path == ROLES_PATH + IMDS_ROLE:
            document = {"Code": "Success", "Type": "AWS-HMAC", **IMDS_KEY,
                        "LastUpdated": iso(time.time()), "Expiration": iso(self.server.expires)}
            return self.answer(200, json.dumps(document))
        self.answer(404, "", "text/plain")


@pytest.fixture
def container(serve):
    return serve(ContainerHandler, token=CONTAINER_TOKEN, expires=int(time.time()) + 3600)


@pytest.fixture
def imds(serve):
    return serve(ImdsHandler, expires=int(time.time()) + 3600)


@pytest.fixture(scope="module")
def moto():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def assumed_role(access_key_id):
    """moto's record of the AssumeRole call that produced this key (moto runs in this process)."""
    from moto.sts.models import sts_backends

    for role in sts_backends[ACCOUNT]["aws"].assumed_roles:
        if role.access_key_id == access_key_id:
            return role
    raise AssertionError(f"moto has no assumed role with access key {access_key_id}")


def assumed_roles():
    from moto.sts.models import sts_backends

    return list(sts_backends[ACCOUNT]["aws"].assumed_roles)


# ---------------------------------------------------------------- environment


def test_environment_long_term_keys(env):
    env.update(AWS_ACCESS_KEY_ID="AKIAENVIRONMENT", AWS_SECRET_ACCESS_KEY="env-secret")
    got = fetch(env)
    assert got == {"source": "environment", "access_key_id": "AKIAENVIRONMENT",
                   "secret_sha256": sha("env-secret"), "session_token": "no", "token_sha256": "-",
                   "expiration": "0"}


def test_environment_session_token(env):
    env.update(AWS_ACCESS_KEY_ID="ASIAENVIRONMENT", AWS_SECRET_ACCESS_KEY="env-secret",
               AWS_SESSION_TOKEN="env-session-token")
    got = fetch(env)
    assert got["source"] == "environment"
    assert got["session_token"] == "yes"
    assert got["token_sha256"] == sha("env-session-token")


@pytest.mark.parametrize("present, missing", [("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                                              ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID")])
def test_environment_partial_keys_stop_the_chain(env, home, present, missing):
    env[present] = "half-of-a-pair"
    write(home / ".aws/credentials", "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n")
    error = fail(env)
    assert "PartialCredentials" in error
    assert f"{present} is set but {missing} is not" in error
    assert "half-of-a-pair" not in error


# ---------------------------------------------------------------- shared files


def test_shared_credentials_file_default_profile(env, home):
    write(home / ".aws/credentials",
          "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret\n"
          "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n")
    got = fetch(env)
    assert (got["source"], got["access_key_id"], got["secret_sha256"]) == (
        "profile", "AKIADEFAULT", sha("default-secret"))
    assert got["session_token"] == "no"


def test_session_token_longer_than_an_ini_line(env, home):
    token = "IQoJb3JpZ2luX2VjE" * 60  # about 1000 characters, as real session tokens are
    write(home / ".aws/credentials",
          f"[default]\naws_access_key_id = ASIALONG\naws_secret_access_key = long-secret\n"
          f"aws_session_token = {token}\n")
    got = fetch(env)
    assert got["token_sha256"] == sha(token)
    assert got["secret_sha256"] == sha("long-secret")


def test_config_file_profile_section_selected_by_aws_profile(env, home):
    write(home / ".aws/config",
          "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret\n"
          "[profile dev]\nregion = eu-west-1\naws_access_key_id = AKIADEV\naws_secret_access_key = dev-secret\n"
          "[dev]\naws_access_key_id = AKIANOTAPROFILE\naws_secret_access_key = wrong\n")
    env["AWS_PROFILE"] = "dev"
    got = fetch(env)
    assert (got["access_key_id"], got["secret_sha256"]) == ("AKIADEV", sha("dev-secret"))
    # Without AWS_PROFILE the [default] section of the same file answers.
    del env["AWS_PROFILE"]
    assert fetch(env)["access_key_id"] == "AKIADEFAULT"


def test_credentials_file_beats_config_file(env, home):
    write(home / ".aws/config",
          "[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = config-secret\n")
    write(home / ".aws/credentials",
          "[dev]\naws_access_key_id = AKIACREDENTIALS\naws_secret_access_key = credentials-secret\n")
    got = fetch(env, "--profile", "dev")
    assert (got["access_key_id"], got["secret_sha256"]) == ("AKIACREDENTIALS", sha("credentials-secret"))


def test_file_locations_from_the_environment(env, home, tmp_path):
    write(home / ".aws/credentials", "[default]\naws_access_key_id = AKIAHOME\naws_secret_access_key = h\n")
    write(home / ".aws/config", "[profile moved]\naws_access_key_id = AKIAHOMECONFIG\naws_secret_access_key = h\n")
    credentials = write(tmp_path / "elsewhere/creds",
                        "[default]\naws_access_key_id = AKIAMOVED\naws_secret_access_key = moved-secret\n")
    config = write(tmp_path / "elsewhere/conf",
                   "[profile moved]\naws_access_key_id = AKIAMOVEDCONFIG\naws_secret_access_key = mc\n")
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(credentials), AWS_CONFIG_FILE=str(config))
    assert fetch(env)["access_key_id"] == "AKIAMOVED"
    env["AWS_PROFILE"] = "moved"
    assert fetch(env)["access_key_id"] == "AKIAMOVEDCONFIG"


def test_named_profile_that_does_not_exist_is_an_error(env, home, container):
    write(home / ".aws/credentials", "[default]\naws_access_key_id = AKIAHOME\naws_secret_access_key = h\n")
    env.update(AWS_PROFILE="nope", AWS_CONTAINER_CREDENTIALS_FULL_URI=container.url + "/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN)
    error = fail(env)
    assert "ProfileNotFound" in error and '"nope"' in error
    assert container.requests == [], "the chain went on to the container after a named profile was missing"


def test_profile_with_half_a_key_pair(env, home):
    write(home / ".aws/credentials", "[default]\naws_access_key_id = AKIAHALF\n")
    error = fail(env)
    assert "aws_access_key_id is set but aws_secret_access_key is not" in error


def test_malformed_config_file_names_file_and_line(env, home):
    write(home / ".aws/config", "[default]\nregion = us-east-1\nnot a key value line\n")
    error = fail(env)
    assert f"{home}/.aws/config:3:" in error


# ---------------------------------------------------------------- credential_process


def process_profile(home, script_text, extra=""):
    script = write(home / "creds.sh", script_text)
    write(home / ".aws/config", f"[default]\ncredential_process = sh {script}{extra}\n")


def test_credential_process(env, home):
    expires = int(time.time()) + 3600
    process_profile(home, "printf '%s' '" + json.dumps({
        "Version": 1, "AccessKeyId": "ASIAPROCESS", "SecretAccessKey": "process-secret",
        "SessionToken": "process-token", "Expiration": iso(expires)}) + "'\n")
    got = fetch(env)
    assert got == {"source": "process", "access_key_id": "ASIAPROCESS", "secret_sha256": sha("process-secret"),
                   "session_token": "yes", "token_sha256": sha("process-token"), "expiration": str(expires)}


def test_credential_process_arguments_go_through_the_shell(env, home):
    process_profile(home, 'printf \'{"Version":1,"AccessKeyId":"%s%s","SecretAccessKey":"s"}\' "$1" "$HOME_KIND"\n',
                    extra=" 'AKIA''FROMARG'")
    env["HOME_KIND"] = "ANDENV"
    assert fetch(env)["access_key_id"] == "AKIAFROMARGANDENV"


def test_credential_process_nonzero_exit(env, home):
    secret_json = json.dumps({"Version": 1, "AccessKeyId": "ASIALEAK", "SecretAccessKey": "LEAKED-SECRET-1"})
    process_profile(home, f"printf '%s' '{secret_json}'\necho 'token service is down' >&2\nexit 3\n")
    error = fail(env)
    assert "CredentialProcessError" in error
    assert "exited with status 3" in error
    assert "token service is down" in error
    assert "LEAKED-SECRET-1" not in error


@pytest.mark.parametrize("output, reason", [
    ('{"Version": 1, "AccessKeyId": "ASIABAD", "SecretAccessKey": "LEAKED-SECRET-2"',
     "did not print a JSON document"),
    ('{"AccessKeyId": "ASIABAD", "SecretAccessKey": "LEAKED-SECRET-2"}', 'without "Version": 1'),
    ('{"Version": 1, "AccessKeyId": "ASIABAD", "SessionToken": "LEAKED-SECRET-2"}', "no SecretAccessKey"),
    ('{"Version": 1, "AccessKeyId": "ASIABAD", "SecretAccessKey": "LEAKED-SECRET-2", "Expiration": "soon"}',
     "Expiration is not an ISO-8601 time"),
])
def test_credential_process_bad_output(env, home, output, reason):
    process_profile(home, f"cat <<'EOF'\n{output}\nEOF\n")
    result = run_probe(env)
    assert result.returncode == 1
    assert reason in result.stderr
    assert "LEAKED-SECRET-2" not in result.stdout + result.stderr


# ---------------------------------------------------------------- AssumeRole through STS (moto)


def test_role_arn_with_source_profile(env, home, moto):
    write(home / ".aws/config",
          "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n"
          "role_session_name = scribble-test\nexternal_id = ext-123\n")
    write(home / ".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n")
    env.update(AWS_PROFILE="deploy", AWS_ENDPOINT_URL=moto)
    result = run_probe(env, "--debug")
    assert result.returncode == 0, result.stderr
    got = result.fetches[0]
    assert got["source"] == "sts-assume-role"
    assert got["access_key_id"] != "AKIABASE"
    role = assumed_role(got["access_key_id"])
    assert role.role_arn == "arn:aws:iam::123456789012:role/deployer"
    assert role.session_name == "scribble-test"
    assert role.external_id == "ext-123"
    assert got["secret_sha256"] == sha(role.secret_access_key)
    assert got["token_sha256"] == sha(role.session_token)
    assert int(got["expiration"]) == calendar.timegm(role.expiration.timetuple())
    assert "AssumeRole" in result.stderr, "the --debug log should show the STS call"
    for secret in (role.secret_access_key, role.session_token, "base-secret"):
        assert secret not in result.stdout + result.stderr


def test_role_chain_and_default_session_name(env, home, moto):
    write(home / ".aws/config",
          "[profile outer]\nrole_arn = arn:aws:iam::123456789012:role/outer\nsource_profile = inner\n"
          "[profile inner]\nrole_arn = arn:aws:iam::123456789012:role/inner\nsource_profile = keys\n"
          "[profile keys]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = keys-secret\n")
    env.update(AWS_PROFILE="outer", AWS_ENDPOINT_URL=moto)
    before = len(assumed_roles())
    got = fetch(env)
    calls = assumed_roles()[before:]
    assert [call.role_arn.rsplit("/", 1)[1] for call in calls] == ["inner", "outer"]
    assert assumed_role(got["access_key_id"]).role_arn.endswith("role/outer")
    assert calls[1].session_name.startswith("scribblectl-")


def test_role_arn_with_credential_source_environment(env, home, moto):
    write(home / ".aws/config",
          "[default]\nrole_arn = arn:aws:iam::123456789012:role/from-env\ncredential_source = Environment\n")
    env.update(AWS_ENDPOINT_URL=moto, AWS_ACCESS_KEY_ID="AKIASOURCE", AWS_SECRET_ACCESS_KEY="source-secret")
    got = fetch(env, "--provider", "profile")
    assert got["source"] == "sts-assume-role"
    assert assumed_role(got["access_key_id"]).role_arn.endswith("role/from-env")


def test_role_source_profile_cycle(env, home, moto):
    write(home / ".aws/config",
          "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
          "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n")
    env.update(AWS_PROFILE="a", AWS_ENDPOINT_URL=moto)
    assert "cycle" in fail(env)


def test_sts_unreachable_is_a_clear_error(env, home, refused_port):
    write(home / ".aws/config",
          "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\n"
          "[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n")
    env.update(AWS_PROFILE="deploy", AWS_ENDPOINT_URL=f"http://127.0.0.1:{refused_port}", AWS_MAX_ATTEMPTS="1")
    error = fail(env)
    assert "AssumeRole arn:aws:iam::123456789012:role/deployer" in error
    assert "base-secret" not in error


# ---------------------------------------------------------------- container


def test_container_full_uri_with_token(env, container):
    env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=container.url + "/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN)
    result = run_probe(env, "--debug")
    assert result.returncode == 0, result.stderr
    got = result.fetches[0]
    assert got == {"source": "container", "access_key_id": "ASIACONTAINER",
                   "secret_sha256": sha("container-secret"), "session_token": "yes",
                   "token_sha256": sha("container-session-token"), "expiration": str(container.expires)}
    assert [(method, path, headers.get("Authorization")) for method, path, headers in container.requests] == [
        ("GET", "/creds", CONTAINER_TOKEN)]
    for secret in (CONTAINER_TOKEN, "container-secret", "container-session-token"):
        assert secret not in result.stdout + result.stderr


def test_container_token_file(env, container, tmp_path):
    token_file = write(tmp_path / "token", CONTAINER_TOKEN + "\n")
    env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=container.url + "/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
               AWS_CONTAINER_AUTHORIZATION_TOKEN="the-file-wins-over-this")
    assert fetch(env)["access_key_id"] == "ASIACONTAINER"
    assert container.requests[0][2].get("Authorization") == CONTAINER_TOKEN


def test_container_refusal_is_an_error_without_the_token(env, container):
    env.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=container.url + "/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-token-value")
    error = fail(env)
    assert "HTTP 401" in error
    assert "wrong-token-value" not in error


def test_container_full_uri_must_be_loopback_over_http(env):
    env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://203.0.113.7/creds"
    error = fail(env)
    assert "InvalidContainerEndpoint" in error and "not allowed" in error


# ---------------------------------------------------------------- instance metadata


def test_imds_v2_token_then_role(env, imds):
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url
    result = run_probe(env, "--debug")
    assert result.returncode == 0, result.stderr
    got = result.fetches[0]
    assert got == {"source": "imds", "access_key_id": "ASIAIMDS", "secret_sha256": sha("imds-secret"),
                   "session_token": "yes", "token_sha256": sha("imds-session-token"),
                   "expiration": str(imds.expires)}
    seen = [(method, path, headers.get("X-aws-ec2-metadata-token")) for method, path, headers in imds.requests]
    assert seen == [("PUT", "/latest/api/token", None), ("GET", ROLES_PATH, IMDS_TOKEN),
                    ("GET", ROLES_PATH + IMDS_ROLE, IMDS_TOKEN)]
    assert imds.requests[0][2].get("X-aws-ec2-metadata-token-ttl-seconds") == "21600"
    for secret in (IMDS_TOKEN, "imds-secret", "imds-session-token"):
        assert secret not in result.stdout + result.stderr


def test_imds_server_refuses_gets_without_the_token(imds):
    """The stand-in really enforces IMDSv2, so the test above proves the token was sent."""
    import urllib.error
    import urllib.request

    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        direct.open(imds.url + ROLES_PATH, timeout=5)
    assert refused.value.code == 401


def test_imds_disabled(env, imds):
    env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url, AWS_EC2_METADATA_DISABLED="true")
    error = fail(env)
    assert "imds: disabled by AWS_EC2_METADATA_DISABLED=true" in error
    assert imds.requests == []


# ---------------------------------------------------------------- order, refresh, nothing found


def test_order_of_precedence(env, home, container, imds):
    write(home / ".aws/credentials", "[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = p\n")
    env.update(AWS_ACCESS_KEY_ID="AKIAENV", AWS_SECRET_ACCESS_KEY="e",
               AWS_CONTAINER_CREDENTIALS_FULL_URI=container.url + "/creds",
               AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN,
               AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url)
    assert fetch(env)["source"] == "environment"
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    assert fetch(env)["source"] == "profile"
    assert container.requests == [] and imds.requests == []
    (home / ".aws/credentials").unlink()
    assert fetch(env)["source"] == "container"
    assert len(container.requests) == 1 and imds.requests == []
    del env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert fetch(env)["source"] == "imds"
    assert len(container.requests) == 1 and len(imds.requests) == 3


def refreshing_process(home, lifetime):
    """A credential_process that counts its runs in a file and hands out keys lifetime seconds long."""
    runs = home / "runs"
    expires = iso(int(time.time()) + lifetime)
    process_profile(home, f"echo run >> '{runs}'\nn=$(wc -l < '{runs}' | tr -d ' ')\n"
                          'printf \'{"Version":1,"AccessKeyId":"ASIARUN%s","SecretAccessKey":"s",'
                          f'"SessionToken":"t","Expiration":"{expires}"}}\' "$n"\n')
    return runs


def test_expiring_credentials_are_refreshed(env, home):
    # 60 s left is inside the chain's 5-minute refresh window: the second fetch must run the process again.
    runs = refreshing_process(home, lifetime=60)
    result = run_probe(env, "--count", "2")
    assert result.returncode == 0, result.stderr
    assert [f["access_key_id"] for f in result.fetches] == ["ASIARUN1", "ASIARUN2"]
    assert runs.read_text().count("run") == 2


def test_credentials_outside_the_window_are_cached(env, home):
    runs = refreshing_process(home, lifetime=3600)
    result = run_probe(env, "--count", "3")
    assert result.returncode == 0, result.stderr
    assert [f["access_key_id"] for f in result.fetches] == ["ASIARUN1"] * 3
    assert runs.read_text().count("run") == 1


def test_nothing_found_lists_every_source(env, refused_port):
    started = time.monotonic()
    error = fail(env)
    elapsed = time.monotonic() - started
    assert "NoCredentials" in error
    assert "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" in error
    assert 'profile: profile "default" is not in' in error
    assert "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set" in error
    assert f"imds: no instance metadata service (http://127.0.0.1:{refused_port}/latest/api/token" in error
    assert elapsed < 5, f"giving up took {elapsed:.1f} s"


def test_nothing_found_with_an_empty_default_profile(env, home):
    write(home / ".aws/config", "[default]\nregion = eu-west-1\n")
    error = fail(env)
    assert "NoCredentials" in error
    assert 'profile: profile "default" has no aws_access_key_id, role_arn or credential_process' in error
