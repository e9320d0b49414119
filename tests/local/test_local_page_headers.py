"""The security headers of `scribblectl local`'s page listener: the same
headers CloudFront's response headers policy adds (provision/security_headers.h,
checked against moto in tests/provision/test_site.py), on every answer of the
listener (the page, its scripts, config.json, snapshots, a 404), with the
listener's own WebSocket URL in the Content-Security-Policy's connect-src.
A Host that could add directives to the policy is refused."""

from __future__ import annotations

import http.client
import json

import pytest

from local_app import LocalApp, make_config

PAGE_PATHS = ["/", "/scribble.html", "/protocol.js", "/scribble.js", "/scribble.css",
              "/config.json", "/no-such-file.js"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("page-headers"))
    with LocalApp(config, schedule_interval=3600) as running:
        yield running


def request(app, path, method="GET", host=None):
    connection = http.client.HTTPConnection("127.0.0.1", app.port, timeout=20)
    try:
        headers = {"Host": host} if host is not None else {}
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def expected(host):
    return {
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; "
            f"connect-src 'self' ws://{host}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"),
    }


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_every_answer_carries_the_security_headers(app, path):
    host = f"127.0.0.1:{app.port}"
    status, headers, _ = request(app, path)
    assert status == (404 if path == "/no-such-file.js" else 200), path
    got = {name: headers.get_all(name) for name in expected(host)}
    assert got == {name: [value] for name, value in expected(host).items()}, path


def test_the_csp_names_the_websocket_config_json_names(app):
    """connect-src allows the very URL the page is told to connect to."""
    host = f"localhost:{app.port}"
    status, headers, body = request(app, "/config.json", host=host)
    assert status == 200
    websocket = json.loads(body)["websocketUrl"]
    assert websocket == f"ws://{host}/"
    connect = [d for d in headers["Content-Security-Policy"].split("; ") if d.startswith("connect-src ")]
    assert connect == [f"connect-src 'self' ws://{host}"]


def test_head_and_static_files_keep_their_type_and_caching(app):
    status, headers, body = request(app, "/scribble.js", method="HEAD")
    assert status == 200 and body == b""
    assert headers["Content-Type"].startswith("text/javascript")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = request(app, "/scribble.css")
    assert headers["Content-Type"].startswith("text/css")
    assert int(headers["Content-Length"]) == len(body) > 0


def test_a_host_that_would_add_directives_is_refused(app):
    status, headers, body = request(app, "/", host="evil.example;script-src *")
    assert (status, body) == (400, b"the Host header is not a host and port\n")
    assert "Content-Security-Policy" not in headers
