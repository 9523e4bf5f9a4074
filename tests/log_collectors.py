"""Small log collectors on loopback (HTTP and TCP) that record what a log destination receives."""

from __future__ import annotations

import gzip
import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest


class Collector:
    """What a small log collector on loopback received: each request's headers and its decoded records."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], list[dict[str, Any]]]] = []
        self.lines: list[dict[str, Any]] = []

    def texts(self) -> list[str]:
        records = [r for _, batch in self.requests for r in batch] + self.lines
        return [str(r.get("text_log") or r.get("json_log")) for r in records]


@pytest.fixture
def http_collector() -> Iterator[tuple[Collector, int]]:
    seen = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            text = body.decode()
            if self.headers["Content-Type"] == "application/x-ndjson":
                batch = [json.loads(line) for line in text.splitlines() if line]
            else:
                batch = json.loads(text)
            seen.requests.append((dict(self.headers), batch))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tcp_collector() -> Iterator[tuple[Collector, int]]:
    seen = Collector()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            for raw in self.rfile:
                seen.lines.append(json.loads(raw))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield seen, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
