"""A group with `container.logging.http` or `.tcp` ships its replicas' output lines there, in SaladCloud's log-entry
shape, formatted and compressed as configured; the destination's token never reaches the emulator's own log."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.contract.salad_groups import all_ready, group_body, wait_for
from tests.emulator_fixture import Emulator
from tests.log_collectors import Collector

TOKEN = "log-ingest-secret-token"


def deploy_with_logging(emulator: Emulator, logging: dict[str, Any]) -> str:
    api = emulator.api()
    body = group_body("logged", replicas=1)
    body["container"]["logging"] = logging
    r = api.post("/containers", json=body)
    assert r.status_code == 201, r.text
    all_ready(api, 1, "logged")
    dns = str(r.json()["networking"]["dns"])
    assert httpx.post(f"http://{emulator.gateway}/generate", json={"inputs": "hi", "parameters": {"max_new_tokens": 2}},
                      headers={"Host": dns}, timeout=10).status_code == 200
    return dns


@pytest.mark.parametrize("fmt,compression", [("json_lines", "gzip"), ("json", "none")])
def test_http_destination_gets_the_replicas_lines(emulator: Emulator, http_collector: tuple[Collector, int],
                                                  fmt: str, compression: str) -> None:
    seen, port = http_collector
    deploy_with_logging(emulator, {"http": {
        "host": "127.0.0.1", "port": port, "path": "/ingest", "format": fmt, "compression": compression,
        "headers": [{"name": "X-Ingest-Token", "value": TOKEN}], "user": "shipper", "password": TOKEN}})
    # TGI's startup line and the request's log line both arrive.
    wait_for(lambda: any("Success" in t for t in seen.texts()) or None, "the request's log line")
    assert any("Connected" in t for t in seen.texts())
    headers, batch = seen.requests[0]
    assert headers["X-Ingest-Token"] == TOKEN and headers["Authorization"].startswith("Basic ")
    assert (headers.get("Content-Encoding") == "gzip") == (compression == "gzip")
    labels = batch[0]["resource"]["labels"]
    assert labels["container_group_name"] == "logged" and labels["organization_name"] == "local-org"
    assert {"time", "receive_time", "severity"} <= set(batch[0])
    assert TOKEN not in (emulator.state_dir / "emulator.log").read_text()


def test_tcp_destination_gets_json_lines(emulator: Emulator, tcp_collector: tuple[Collector, int]) -> None:
    seen, port = tcp_collector
    deploy_with_logging(emulator, {"tcp": {"host": "127.0.0.1", "port": port}})
    wait_for(lambda: any("Success" in t for t in seen.texts()) or None, "the request's log line over TCP")
    assert seen.lines[0]["resource"]["labels"]["container_group_name"] == "logged"


def test_a_destination_off_loopback_gets_nothing(emulator: Emulator, tcp_collector: tuple[Collector, int]) -> None:
    """0.0.0.0 is not a loopback address, yet Linux delivers a connection to it on this machine: a collector on
    127.0.0.1 would receive the lines if the emulator shipped them, so its silence shows the refusal held."""
    seen, port = tcp_collector
    dns = deploy_with_logging(emulator, {"tcp": {"host": "0.0.0.0", "port": port}})
    log = emulator.state_dir / "emulator.log"
    wait_for(lambda: "not on loopback" in log.read_text() or None, "the refusal")
    for _ in range(3):  # more lines to ship, over several flush periods (FLUSH_S is 0.5 s)
        httpx.post(f"http://{emulator.gateway}/generate", json={"inputs": "hi", "parameters": {"max_new_tokens": 2}},
                   headers={"Host": dns}, timeout=10)
        time.sleep(1)
    assert seen.lines == []
