"""A webhook on 127.0.0.1 for the alert-delivery tests (stdlib http.server in
a thread): it records every POSTed JSON payload and answers as told."""
from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingServer:
    """A webhook on 127.0.0.1 that answers each request as `respond(n, payload)`
    says (n counts requests from 0): an HTTP status, or ('sleep', seconds, status)."""

    def __init__(self, respond, port: int = 0):
        self.respond, self.requests, self.accepted = respond, [], []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    number = len(server.requests)
                    server.requests.append(payload)
                answer = server.respond(number, payload)
                if isinstance(answer, tuple):
                    _, seconds, answer = answer
                    time.sleep(seconds)
                if 200 <= answer < 300:
                    with server.lock:
                        server.accepted.append(payload)
                self.send_response(answer)
                self.end_headers()
                self.wfile.write(b"ok" if answer < 300 else b"no")

            def log_message(self, *args):  # keep pytest's output clean
                pass

        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def webhook(respond=lambda n, payload: 200, port: int = 0):
    server = RecordingServer(respond, port)
    try:
        yield server
    finally:
        server.close()
