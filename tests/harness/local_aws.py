"""The local AWS every test runs against: moto, in-process, on a loopback port.

LocalAws starts a werkzeug server on a port the OS gives, handing requests to
moto's WSGI application (one for the process, with the harness's moto
extensions installed), and stops it on exit. Each instance is
its own AWS account: every request it receives is given the instance's
account id (moto keeps all state per account), so two live instances never
see each other's resources; when no other instance is live, moto is also
reset at start. A RequestLog wraps the WSGI application and records every
request that arrived, from this process or any child, and `stats` counts
them. Given a RealAwsProfile (real_aws.py), the instance behaves like AWS
rather than loopback moto: the profile's middleware sits between the record
and moto, and moto's backends consult the profile of their account.

It hands child processes an environment in which nothing of the developer's
AWS setup (AWS_* variables, ~/.aws) can leak in.

Run `python -m harness.local_aws` from tests/ to keep one up by hand.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import urllib.request
from typing import Any

from . import (
    moto_costs,
    moto_ext_acm,
    moto_ext_apigatewaymanagementapi,
    moto_ext_apigatewayv2,
    moto_ext_apigatewayv2_domains,
    moto_ext_cloudfront,
    moto_ext_elasticache,
    moto_ext_lambda,
    moto_ext_sqs,
    real_aws,
)
from .pacing import Link
from .real_aws import RealAwsProfile
from .request_log import RequestLog, Stats, recording

# No line per request: a failing test's output is for what differed.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

ACCESS_KEY_ID = "AKIALOCALAWSHARNESS1"
SECRET_ACCESS_KEY = "local-aws-harness-secret-not-a-real-key"

# moto behaviour the stack's tests need, process-wide: AWS-managed IAM policies
# exist (a test attaches AWSLambdaVPCAccessExecutionRole, as older stacks had
# it, and sees up detach it), and Lambda never starts Docker containers (tests
# run handlers themselves).
MOTO_CONFIG = {"iam": {"load_aws_managed_policies": True}, "lambda": {"use_docker": False}}

_lock = threading.Lock()
_live = 0
_account_numbers = itertools.count(1)


# What this process's own environment must hold: moto runs in-process and
# builds botocore sessions from it (an AWS_PROFILE naming a profile missing
# here breaks every request).
PROCESS_AWS_ENVIRONMENT = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def isolate_process_environment() -> None:
    """Remove every AWS_* variable from os.environ and point the AWS files at /dev/null.

    tests/conftest.py calls this once, before any test; so does main().
    """
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[key]
    os.environ.update(PROCESS_AWS_ENVIRONMENT)


def _check_process_environment() -> None:
    leaks = sorted(k for k, v in os.environ.items()
                   if k.startswith("AWS_") and PROCESS_AWS_ENVIRONMENT.get(k) != v)
    if leaks:
        raise RuntimeError(
            f"{', '.join(leaks)} in this process's environment would reach the in-process "
            "moto: call harness.local_aws.isolate_process_environment() first "
            "(tests/conftest.py does)")
    if "MOTO_ACCOUNT_ID" in os.environ:
        raise RuntimeError("MOTO_ACCOUNT_ID is set: it would put every LocalAws in one account")


# How often a server's loop looks for a shutdown request: stopping waits for
# at most this long (socketserver's default, 0.5 s, would be paid by every test).
SHUTDOWN_POLL_S = 0.02

_shared_dispatcher: Any = None


def _dispatcher() -> Any:
    """moto's WSGI application, one for the whole process: every LocalAws's
    server hands its requests to it (each instance's requests carry its own
    account id, and moto keeps all state per account).

    It builds one Flask application per AWS service on first use, from the
    service's URL patterns; shared, each is built once per process instead of
    once per test. It also finds a request's service from its host name (or,
    on loopback, the host its signature names) under one lock shared by every
    request, listing moto's package folder and trying every backend's URL
    pattern each time: on a threaded server the requests of scribblectl's
    parallel workers queue behind it. The answer depends on the host name
    alone (the folder and the patterns do not change in a process), so each
    host's answer is kept."""
    global _shared_dispatcher
    if _shared_dispatcher is None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        dispatcher = DomainDispatcherApplication(create_backend_app)
        lookup = dispatcher.get_backend_for_host
        found: dict[str | None, Any] = {}

        def get_backend_for_host(host: str | None) -> Any:
            if host not in found:
                found[host] = lookup(host)
            return found[host]

        dispatcher.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
        _shared_dispatcher = dispatcher
    return _shared_dispatcher


def _install_moto_extensions() -> None:
    from moto.core.config import default_user_config

    moto_costs.install()
    moto_ext_acm.install()
    moto_ext_elasticache.install()
    moto_ext_cloudfront.install()
    moto_ext_apigatewayv2.install()
    moto_ext_apigatewayv2_domains.install()
    moto_ext_apigatewaymanagementapi.install()
    moto_ext_sqs.install()
    moto_ext_lambda.install()
    for section, settings in MOTO_CONFIG.items():
        default_user_config.setdefault(section, {}).update(settings)  # type: ignore[misc]


def isolated_env(settings: dict[str, str], extra: dict[str, str | None]) -> dict[str, str]:
    """A child process's environment: os.environ without any AWS_* variable, plus
    settings, with loopback added to no_proxy (a developer's proxy must not
    capture loopback traffic; libcurl honours these), then extra (a value of
    None removes that variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(settings)
    for name in ("no_proxy", "NO_PROXY"):
        env[name] = ",".join(filter(None, [env.get(name), "127.0.0.1", "localhost"]))
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class LocalAws:
    """moto on http://127.0.0.1:PORT with fresh state; use as a context manager.

    With a profile, it behaves like real AWS as the profile says (see real_aws.py).
    acm_validation_wait_s: seconds after its request before an ACM certificate
    this account requests is ISSUED (None: moto's process-wide
    MOTO_ACM_VALIDATION_WAIT, 60 s by default); set_acm_validation_wait
    changes it later.
    """

    def __init__(self, region: str = "us-east-1", profile: RealAwsProfile | None = None,
                 acm_validation_wait_s: float | None = None):
        self.region = region
        self.profile = profile
        self.acm_validation_wait_s = acm_validation_wait_s
        self.account_id = ""
        self.endpoint = ""
        self.requests = RequestLog()
        self.stats = Stats()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._dir: str | None = None
        self._entered = False

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> LocalAws:
        global _live
        _check_process_environment()
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        try:
            self._dir = tempfile.mkdtemp(prefix="scribble-local-aws-")
            for name in ("config", "credentials"):
                open(os.path.join(self._dir, name), "w").close()
            # Under the lock, so no other instance can create state between this
            # one's start and its reset.
            with _lock:
                _install_moto_extensions()
                self.account_id = f"{100000000000 + next(_account_numbers):012d}"
                moto_ext_acm.set_validation_wait(self.account_id, self.acm_validation_wait_s)
                self._server = make_server("127.0.0.1", 0, _dispatcher(), threaded=True,
                                           request_handler=MotoRequestHandler)
                self._server.app = recording(
                    self._profiled(self._server), self.requests,
                    environ_defaults={"HTTP_X_MOTO_ACCOUNT_ID": self.account_id},
                    stats=self.stats, uplink=self._uplink())
                self._thread = threading.Thread(target=self._server.serve_forever,
                                                args=(SHUTDOWN_POLL_S,), daemon=True)
                self._thread.start()
                host, port = self._server.server_address[:2]
                self.endpoint = f"http://{host}:{port}"
                if _live == 0:
                    self._moto_api("/moto-api/reset")
                _live += 1
                self._entered = True
            return self
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *_: Any) -> None:
        global _live
        server, self._server = self._server, None
        if server is not None:
            if self._thread is not None:
                server.shutdown()
                self._thread.join()
                self._thread = None
            server.server_close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        if self._entered:
            self._entered = False
            with _lock:
                _live -= 1
        if self.account_id:
            real_aws.deactivate(self.account_id)
            moto_ext_acm.set_validation_wait(self.account_id, None)

    def _profiled(self, wsgi_server: Any) -> Any:
        """moto's application, behind the profile's middleware when there is a profile."""
        if self.profile is None:
            return wsgi_server.app
        from . import real_aws_moto, real_aws_wsgi

        real_aws_moto.install()
        real_aws.activate(self.account_id, self.profile)
        real_aws_wsgi.prepare_server(wsgi_server, self.profile)
        return real_aws_wsgi.RealAwsMiddleware(wsgi_server.app, self.profile)

    def _uplink(self) -> Link | None:
        if self.profile is None or self.profile.uplink_bytes_per_s is None:
            return None
        return Link(self.profile.uplink_bytes_per_s)

    def _moto_api(self, path: str) -> None:
        request = urllib.request.Request(self.endpoint + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    # -- use ------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    def env(self, **extra: str | None) -> dict[str, str]:
        """Environment for a child process that must reach this endpoint and nothing else.

        A copy of os.environ without any AWS_* variable, plus the endpoint,
        the region (AWS_REGION and AWS_DEFAULT_REGION), fake credentials,
        instance metadata off and empty AWS config and credentials files.
        extra is applied last; a value of None removes that variable.
        """
        assert self._dir is not None, "use LocalAws as a context manager"
        return isolated_env({
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,  # the only one boto3 reads
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(self._dir, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self._dir, "credentials"),
        }, extra)

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for this endpoint, independent of the developer's AWS setup."""
        assert self.endpoint, "use LocalAws as a context manager"
        return make_client(service, self.endpoint, self.region, **kwargs)

    # -- WebSocket clients, as API Gateway sees them ----------------------------
    # The handlers post to /@connections/<id> at this endpoint (signed for
    # execute-api in this instance's region); these play the clients' side.
    def _connections_backend(self) -> Any:
        assert self.endpoint, "use LocalAws as a context manager"
        return moto_ext_apigatewaymanagementapi.backend_for(self.account_id, self.region)

    def open_connection(self, connection_id: str) -> None:
        """A client connects: PostToConnection to this id succeeds until it closes."""
        moto_ext_apigatewaymanagementapi.open_connection(self._connections_backend(), connection_id)

    def close_connection(self, connection_id: str) -> None:
        """The client disconnects: later calls for this id answer GoneException (410)."""
        moto_ext_apigatewaymanagementapi.close_connection(self._connections_backend(), connection_id)

    def connection_open(self, connection_id: str) -> bool:
        """Whether the id is open (opened, and neither closed nor deleted by DeleteConnection)."""
        return moto_ext_apigatewaymanagementapi.is_open(self._connections_backend(), connection_id)

    def connection_messages(self, connection_id: str) -> list[Any]:
        """Every message posted to the connection, in order, each JSON-decoded.

        Raises ValueError naming the message if one is not JSON, and KeyError
        for an id that was never opened.
        """
        decoded = []
        raw = moto_ext_apigatewaymanagementapi.messages(self._connections_backend(), connection_id)
        for index, data in enumerate(raw):
            try:
                decoded.append(json.loads(data))
            except ValueError as error:
                raise ValueError(f"message {index} of {len(raw)} posted to {connection_id!r} "
                                 f"is not JSON ({error}): {data[:500]!r}") from None
        return decoded

    def set_acm_validation_wait(self, seconds: float | None) -> None:
        """Seconds after its request before an ACM certificate of this account is ISSUED
        (None: moto's process-wide wait). Certificates already past the wait in force are
        ISSUED first; one still pending and older than the new wait is ISSUED when next
        read (by any call naming or listing it); ISSUED stays ISSUED."""
        assert self.account_id, "use LocalAws as a context manager"
        self.acm_validation_wait_s = seconds
        moto_ext_acm.set_validation_wait(self.account_id, seconds)

    def set_lambda_concurrency_limit(self, limit: int) -> None:
        """The account's concurrent Lambda executions in this region (AWS's default: 1,000)."""
        from moto.awslambda.utils import get_backend
        moto_ext_lambda.set_concurrency_limit(get_backend(self.account_id, self.region), limit)

    def fail_posts(self, connection_id: str, count: int, status: int) -> None:
        """The next `count` posts to this id answer `status` (429 LimitExceededException,
        500 InternalFailure, ...) and deliver nothing; later posts behave as usual."""
        moto_ext_apigatewaymanagementapi.fail_posts(
            self._connections_backend(), connection_id, count, status)


_sessions_lock = threading.Lock()
_session: Any = None


def _client_session() -> Any:
    """One boto3 session for every client (it keeps the service models it has loaded).

    Its botocore session looks up no environment variable for the profile or
    the config and credentials files, so no AWS_PROFILE or ~/.aws of the
    developer's is consulted. Call with _sessions_lock held: sessions are not
    thread-safe.
    """
    global _session
    if _session is None:
        import boto3
        import botocore.session

        # (config name, environment variables, default, conversion)
        botocore_session = botocore.session.Session(session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        })
        _session = boto3.session.Session(botocore_session=botocore_session)
    return _session


def make_client(service: str, endpoint: str, region: str = "us-east-1", **kwargs: Any) -> Any:
    """A boto3 client for any local endpoint, with the harness's fake credentials,
    one attempt (no retries) and no AWS file or profile of the developer's."""
    import botocore.config

    kwargs.setdefault("config", botocore.config.Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60))
    kwargs.setdefault("region_name", region)
    kwargs.setdefault("aws_access_key_id", ACCESS_KEY_ID)
    kwargs.setdefault("aws_secret_access_key", SECRET_ACCESS_KEY)
    with _sessions_lock:
        return _client_session().client(service, endpoint_url=endpoint, **kwargs)


def _shell_exports(env: dict[str, str]) -> list[str]:
    keys = sorted(k for k in env if k.startswith("AWS_"))
    return [f"export {k}={shlex.quote(env[k])}" for k in keys]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m harness.local_aws",
        description="Run the tests' local AWS (moto with the harness's extensions) "
                    "until SIGINT or SIGTERM.")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--real-aws", action="store_true",
                        help="behave like real AWS (RealAwsProfile.default())")
    parser.add_argument("--seed", type=int, default=1, help="with --real-aws: the faults' seed")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="with --real-aws: the share of calls that get a fault")
    parser.add_argument("--uplink-mbit", type=float,
                        help="with --real-aws: the uplink's bandwidth in Mbit/s")
    parser.add_argument("--acm-validation-wait", type=float, metavar="SECONDS",
                        help="seconds before a requested ACM certificate is ISSUED "
                             "(default: moto's MOTO_ACM_VALIDATION_WAIT, 60)")
    args = parser.parse_args(argv)
    profile = None
    if args.real_aws:
        uplink = args.uplink_mbit * 125_000 if args.uplink_mbit else None
        profile = RealAwsProfile.default(seed=args.seed, fault_rate=args.fault_rate,
                                         uplink_bytes_per_s=uplink)

    # Block the signals before moto's threads start, so they inherit the mask
    # and only sigwait() below receives them.
    isolate_process_environment()
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    with LocalAws(region=args.region, profile=profile,
                  acm_validation_wait_s=args.acm_validation_wait) as aws:
        print(f"local AWS at {aws.endpoint} (account {aws.account_id}, region {aws.region})")
        if profile is not None:
            print(f"behaving like real AWS: {profile}")
        if args.acm_validation_wait is not None:
            print(f"requested ACM certificates are ISSUED {args.acm_validation_wait:g} s after their request")
        print("# in another shell:")
        print("unset $(env | grep -o '^AWS_[A-Z_]*')")
        for line in _shell_exports(aws.env()):
            print(line)
        print("# ready")
        sys.stdout.flush()
        received = signal.sigwait(stop_signals)
        print(f"{signal.Signals(received).name}: stopping", file=sys.stderr)
    print(f"stopped after {len(aws.requests)} requests, "
          f"{len(aws.requests.mutating())} of them mutating", file=sys.stderr)
    if profile is not None:
        print(f"counters: {aws.stats.snapshot()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
