"""The emulated inference hosts model-<id>.<domain>: Baseten's predict and sync routes to ready replicas.

  /production/predict, /development/predict, /environments/<env>/predict, /deployment/<id>/predict
      -> the truss's predict route: docker_server.predict_endpoint, else truss's /v1/models/model:predict (the
         model class's predict on the truss server, or the TensorRT-LLM engine's)
  /production/sync/<path>, /environments/<env>/sync/<path>, /deployment/<id>/sync/<path>
      -> <path> on the server unchanged (truss's proxy passes other paths through: OpenAI, /generate_stream;
         a truss server answers its own routes, such as /v1/chat/completions)
Requests need the workspace key (Api-Key or Bearer). Requests in flight drive the autoscaler; a deployment scaled
to zero wakes on a request, which waits for a replica up to wake_timeout_s.
"""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from emulator.baseten.api import authorized, error
from emulator.baseten.engine import PREDICT_PATH
from emulator.baseten.lifecycle import Lifecycle
from emulator.baseten.state import ApiError, Deployment, Replica
from emulator.forward import forward, proxy_app

HOST = re.compile(r"^model-(?P<id>[a-z0-9]+)(?:\.|$)")
ROUTE = re.compile(r"^/(?:(?P<slot>production|development)|environments/(?P<env>[\w-]+)|deployment/(?P<dep>\w+))"
                   r"/(?:(?P<predict>predict)|sync(?P<rest>/.*)?)$")

def create_inference(life: Lifecycle, api_key: str, wake_timeout_s: float = 60.0) -> Starlette:
    """The inference app; one server answers every model's host (routed by Host)."""
    client = httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=5.0))
    ws = life.ws

    def resolve(request: Request) -> tuple[Deployment, str]:
        host = HOST.match(request.headers.get("host", "").lower())
        route = ROUTE.match(request.url.path)
        if host is None or route is None:
            raise ApiError(404, "NOT_FOUND", "No such route: use /production/predict or /environments/<env>/sync/...")
        model = ws.model(host["id"])
        ref = route["dep"] or route["slot"] or ("production" if route["env"] == "production" else route["env"])
        dep = ws.deployment(model, ref or "production")
        if route["predict"]:
            server = dep.config.get("docker_server")
            path = str(server.get("predict_endpoint") or "/") if server else PREDICT_PATH
        else:
            path = route["rest"] or "/"
        return dep, path

    async def ready_replica(dep: Deployment) -> Replica | None:
        deadline = time.monotonic() + wake_timeout_s
        while True:
            ready = life.ready_replicas(dep)
            if ready:
                dep.rr += 1
                return ready[dep.rr % len(ready)]
            if dep.status not in ("ACTIVE", "SCALED_TO_ZERO", "WAKING_UP", "UNHEALTHY") or \
                    time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.1)

    async def proxy(request: Request) -> Response:
        if not authorized(request, api_key):
            return error(401, "UNAUTHENTICATED", "Missing or invalid API key: send 'Authorization: Api-Key <key>'")
        try:
            dep, path = resolve(request)
        except ApiError as exc:
            return error(exc.status, exc.code, exc.message)
        if dep.status in ("BUILDING", "DEPLOYING", "LOADING_MODEL"):
            return error(503, "UNAVAILABLE", f"Deployment {dep.id} is {dep.status}: it is not serving yet")
        dep.in_flight += 1  # counted while waiting too: a scaled-to-zero deployment wakes for it

        def release() -> None:
            dep.in_flight -= 1

        replica = await ready_replica(dep)
        if replica is None or replica.process is None:
            release()
            return error(503, "UNAVAILABLE", f"Deployment {dep.id} is {dep.status} with no ready replica")
        return await forward(client, request, replica.process.port, path, release,
                             drop=frozenset({"authorization"}))

    return proxy_app(client, proxy)
