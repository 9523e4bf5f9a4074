"""The emulated container gateway passes a replica's answer through as it is: each header once, nothing of its own
that SaladCloud's gateway would not add."""

from __future__ import annotations

import httpx

from tests.contract.salad_groups import all_ready, group_body
from tests.emulator_fixture import Emulator


def test_the_gateway_passes_the_replicas_headers_once(emulator: Emulator) -> None:
    api = emulator.api()
    dns = api.post("/containers", json=group_body("hdr", replicas=1)).json()["networking"]["dns"]
    all_ready(api, 1, "hdr")
    for method, path, body in (("GET", "/health", None), ("POST", "/generate", {"inputs": "hi"})):
        r = httpx.request(method, f"http://{emulator.gateway}{path}", json=body, headers={"Host": dns}, timeout=10)
        assert r.status_code == 200
        names = [k.lower() for k, _ in r.headers.multi_items()]
        assert sorted(n for n in set(names) if names.count(n) > 1) == [], r.headers
        assert "server" not in names, "TGI's router (axum/hyper) names no server, and neither does the gateway"
        assert names.count("date") == 1
