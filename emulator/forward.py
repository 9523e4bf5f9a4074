"""Forwarding a request to a replica on loopback and streaming its answer back (the SaladCloud gateway's and the
Baseten inference hosts' shared proxy step)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

HOP_HEADERS = frozenset({"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "content-length"})


async def forward(client: httpx.AsyncClient, request: Request, port: int, path: str, done: Callable[[], None],
                  drop: frozenset[str] = frozenset()) -> Response:
    """Send `request` to 127.0.0.1:port at `path` (query kept), stream the answer; `done` runs once it ends.

    drop: further request headers the replica must not see (the platform's own auth header).
    """
    # The body streams through as it arrives (its length kept): the replica, as TGI does, refuses what is over
    # its PAYLOAD_LIMIT; the proxy never holds a whole body.
    skip = (HOP_HEADERS - {"content-length"}) | drop
    headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
    url = f"http://127.0.0.1:{port}{path}" + (f"?{request.url.query}" if request.url.query else "")
    try:
        upstream = await client.send(client.build_request(request.method, url, headers=headers,
                                                          content=request.stream()), stream=True)
    except httpx.HTTPError as exc:
        done()
        return JSONResponse({"error": f"bad gateway: {type(exc).__name__}"}, status_code=502)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()
            done()

    out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS}
    return StreamingResponse(body(), status_code=upstream.status_code, headers=out)


def proxy_app(client: httpx.AsyncClient, handler: Callable[[Request], Awaitable[Response]]) -> Starlette:
    """One app answering every path and method with `handler`; the client is closed when the server stops."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", handler, methods=methods)], lifespan=lifespan)
