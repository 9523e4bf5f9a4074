"""The background loop both emulated platforms drive their replicas with: one reconcile pass every 100 ms."""

from __future__ import annotations

import asyncio
import sys

import httpx


class Reconciler:
    """Runs `reconcile()` every 100 ms until shutdown; subclasses say what a pass does and how to stop everything."""

    name = "emulator"

    def __init__(self, probe_timeout_s: float) -> None:
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(probe_timeout_s))  # health checks of the replicas
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the reconciler in the background (inside the running event loop)."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception as exc:  # keep the emulator alive; the log shows what went wrong
                print(f"{self.name}: reconcile error: {exc!r}", file=sys.stderr, flush=True)
            await asyncio.sleep(0.1)

    async def reconcile(self) -> None:
        """One pass over everything the platform runs."""
        raise NotImplementedError

    def stop_all(self) -> None:
        """Kill every replica this platform started."""
        raise NotImplementedError

    async def shutdown(self) -> None:
        """Stop the loop and every replica."""
        if self._task:
            self._task.cancel()
        self.stop_all()
        await self.http.aclose()
