"""Production log shipping (salad.logging): `pulumi up` of a stack with an HTTP destination on loopback delivers TGI's
startup lines and the smoke requests' lines there; the destination's credential stays a secret everywhere."""

from __future__ import annotations

import time

from tests.emulator_fixture import Emulator
from tests.engine.harness import Project
from tests.log_collectors import Collector

TOKEN = "log-destination-password-0123456789"


def test_up_ships_the_containers_logs(local: Project, emulator: Emulator,
                                      http_collector: tuple[Collector, int]) -> None:
    seen, port = http_collector
    destination = {"host": "127.0.0.1", "port": str(port), "path": "/ingest", "format": "json_lines",
                   "compression": "gzip", "user": "shipper"}
    for key, value in destination.items():  # as a user sets it: one key at a time
        local.config(f"tgi-fleet:salad.logging.http.{key}", value, path=True)
    local.config("tgi-fleet:salad_log_secret", TOKEN, secret=True)
    up = local.run("up", "--yes", "--skip-preview")
    assert "smoke: 4 chat completions OK" in up.stdout
    deadline = time.monotonic() + 20
    while sum("Success" in t for t in seen.texts()) < 4:  # one line per smoke request, as TGI's router logs
        assert time.monotonic() < deadline, seen.texts()[-5:]
        time.sleep(0.2)
    assert any("Connected" in t for t in seen.texts()), "TGI's startup line"
    headers, _ = seen.requests[0]
    assert headers["Authorization"].startswith("Basic ")  # the credential reached the destination
    for text in (local.export(), up.stdout + up.stderr, local.run("stack", "output", "--json").stdout,
                 (local.workdir / "stacks" / "Pulumi.local.yaml").read_text()):
        assert TOKEN not in text
    local.run("destroy", "--yes", "--skip-preview")
    assert emulator.wait_empty() == {"groups": [], "processes": []}
