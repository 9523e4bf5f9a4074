"""The emulated container gateway: routes by Host (the group's access domain) to ready replicas on loopback.

Enforces Salad-Api-Key when the group's networking.auth is on, and balances across ready instances
(least connections or round robin, as the group's load_balancer says).
"""

from __future__ import annotations

import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator.forward import forward, proxy_app
from emulator.salad.cloud import Cloud
from emulator.salad.store import Instance


def create_gateway(cloud: Cloud, api_key: str) -> Starlette:
    """The gateway app; one server serves every group's access domain."""
    client = httpx.AsyncClient(timeout=httpx.Timeout(100.0, connect=5.0))  # server_response_timeout default

    def pick(group_instances: list[Instance], balancer: str, rr: int) -> Instance | None:
        ready = [i for i in group_instances if i.state == "running" and i.ready and i.port]
        if not ready:
            return None
        if balancer == "least_number_of_connections":
            return min(ready, key=lambda i: i.connections)
        return ready[rr % len(ready)]

    async def proxy(request: Request) -> Response:
        group = cloud.by_dns(request.headers.get("host", ""))
        if group is None or not group.doc.get("networking"):
            return JSONResponse({"error": "no container group serves this host"}, status_code=404)
        net = group.doc["networking"]
        if net.get("auth") and request.headers.get("Salad-Api-Key") != api_key:
            return JSONResponse({"error": "Unauthorized: the Salad-Api-Key header is missing or wrong"},
                                status_code=401)
        group.rr += 1
        inst = pick(group.instances, net.get("load_balancer", "round_robin"), group.rr)
        port = inst.port if inst is not None else None  # read once: the replica's process may exit meanwhile
        if inst is None or port is None:
            return JSONResponse({"error": "no ready instance: the container group has no replica passing its "
                                          "readiness probe"}, status_code=503)
        if group.first_request_at is None:
            group.first_request_at = time.time()
        inst.connections += 1

        def done() -> None:
            inst.connections -= 1

        return await forward(client, request, port, request.url.path, done, drop=frozenset({"salad-api-key"}))

    return proxy_app(client, proxy)
