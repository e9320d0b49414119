"""A tiny HTTP server that answers from a script, for retry and error tests.

Each request pops the next scripted answer: (status, headers, body) or DROP
(close the connection without answering). When the script is exhausted it
answers 200 with an empty JSON object. Every request is recorded with its
arrival time and headers. Runs on an OS-assigned loopback port.
"""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DROP = "drop"


class ScriptedServer:
    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with outer.lock:
                    outer.requests.append(
                        {"time": time.monotonic(), "method": self.command, "path": self.path,
                         "headers": dict(self.headers), "body": body})
                    answer = outer.script.pop(0) if outer.script else (200, {}, b"{}")
                if answer == DROP:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                status, headers, payload = answer
                payload = payload.encode() if isinstance(payload, str) else payload
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
