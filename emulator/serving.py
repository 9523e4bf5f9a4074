"""Running an emulator's HTTP servers until SIGTERM/SIGINT, then its cleanup (the replicas must not outlive it)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

# How long a stopping server lets open requests finish before it cancels them. uvicorn's default waits for every one:
# a request held by an injected hang (or a stream nobody reads) kept the emulator from exiting at all.
GRACE_S = 2


def server(app: Any, host: str, port: int, proxy: bool = False) -> uvicorn.Server:
    """A quiet uvicorn server for one app; a proxy passes the replica's own date (and no server name) through."""
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=not proxy,
                                         date_header=not proxy, timeout_graceful_shutdown=GRACE_S))


async def serve_until_stopped(servers: list[uvicorn.Server], cleanup: Callable[[], Awaitable[None]]) -> None:
    """Serve them all; on SIGTERM/SIGINT stop them, then run `cleanup` however serving ended."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for s in servers:
            s.should_exit = True

    # Each uvicorn server captures SIGTERM/SIGINT while it serves and re-raises it as it ends, so one signal
    # stops them in turn; this handler takes the last re-raise, letting the cleanup below kill the replicas.
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    try:
        await asyncio.gather(*(s.serve() for s in servers))
    finally:
        await cleanup()
