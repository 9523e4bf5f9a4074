"""Container log shipping: a group with `container.logging.http` or `.tcp` has its replicas' output lines delivered
there, as SaladCloud delivers them.

Each line becomes one record in SaladCloud's own log-entry shape (LogEntry: time, receive_time, severity, resource
with the group's labels, and json_log for a JSON line or text_log otherwise). HTTP: batches POSTed to
http://host:port/path as a JSON array (format `json`) or one record per line (`json_lines`), gzip-compressed when
asked, with the destination's headers and basic auth. TCP: one JSON record per line on a kept-open connection.

Like every server the emulator talks to, a destination must be on loopback: any other is refused (a system-log
event says so). The destination's credentials and header values are never printed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import ipaddress
import json
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from emulator.salad.store import Group, Instance, now_iso

FLUSH_S = 0.5  # how often a destination's batch is sent
MAX_BATCH = 500  # records per HTTP request
MAX_QUEUED = 10_000  # per group; the oldest are dropped past it while the destination is down


def on_loopback(host: str) -> bool:
    """Whether host names this machine (an address on loopback, or localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def record(group: Group, inst: Instance, stream: str, line: str) -> dict[str, Any]:
    """One output line as SaladCloud's LogEntry."""
    stamp = now_iso()
    entry: dict[str, Any] = {
        "time": stamp, "receive_time": stamp, "severity": "error" if stream == "stderr" else "info",
        "resource": {"type": "container", "labels": {
            "organization_name": group.org, "project_name": group.project, "container_group_name": group.name,
            "container_group_id": str(group.doc["id"]), "instance_id": inst.id, "machine_id": inst.machine_id,
            "version": str(inst.version)}},
    }
    try:
        parsed = json.loads(line)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        entry["json_log"] = parsed
    else:
        entry["text_log"] = line[:10000]
    return entry


@dataclass
class _Outbox:
    """One group's records waiting for its destination."""

    group: Group
    records: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_QUEUED))
    writer: asyncio.StreamWriter | None = None  # the TCP connection, kept open
    tcp_to: tuple[str, int] | None = None
    refused: str | None = None  # the destination last refused for not being on loopback


class LogShipping:
    """Collects replica lines per group and delivers them every FLUSH_S."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(5.0))
        self.outboxes: dict[str, _Outbox] = {}  # by group id
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def destination(group: Group) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The group's logging settings, and the destination its lines ship to (HTTP's, else TCP's) or None."""
        logging = group.doc["container"].get("logging") or {}
        return logging, logging.get("http") or logging.get("tcp")

    def line(self, group: Group, inst: Instance, stream: str, text: str) -> None:
        """A replica printed a line: queue it when its group ships logs over HTTP or TCP."""
        if self.destination(group)[1] is None:
            return
        box = self.outboxes.setdefault(str(group.doc["id"]), _Outbox(group))
        box.group = group
        box.records.append(record(group, inst, stream, text))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            for key, box in list(self.outboxes.items()):
                try:
                    await self.flush(box)
                except Exception as exc:  # one destination's failure is that group's alone
                    print(f"emulator: log shipping for {box.group.name!r}: {type(exc).__name__}", file=sys.stderr,
                          flush=True)
                if box.group.deleting and not box.records:
                    await self._close(box)
                    del self.outboxes[key]

    async def flush(self, box: _Outbox) -> None:
        """Send what is queued; what cannot be sent stays queued for the next try."""
        logging, dest = self.destination(box.group)
        if dest is None or not box.records:
            return
        where = f"{dest['host']}:{dest['port']}"
        if not on_loopback(str(dest["host"])):
            if box.refused != where:
                box.refused = where
                print(f"emulator: {box.group.name!r} ships logs to {where}, which is not on loopback: the emulator "
                      f"ships only to loopback; nothing sent", file=sys.stderr, flush=True)
            box.records.clear()
            return
        if "http" in logging:
            await self._post(box, logging["http"])
        else:
            await self._tcp(box, str(dest["host"]), int(dest["port"]))

    async def _post(self, box: _Outbox, dest: dict[str, Any]) -> None:
        while box.records:
            batch = [box.records[i] for i in range(min(MAX_BATCH, len(box.records)))]
            if dest.get("format") == "json_lines":
                body, ctype = "".join(json.dumps(r) + "\n" for r in batch).encode(), "application/x-ndjson"
            else:
                body, ctype = json.dumps(batch).encode(), "application/json"
            headers = {h["name"]: h["value"] for h in dest.get("headers") or []}
            headers["Content-Type"] = ctype
            if dest.get("compression") == "gzip":
                body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
            if dest.get("user"):
                pair = f"{dest['user']}:{dest.get('password') or ''}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            path = dest.get("path") or "/"
            url = f"http://{dest['host']}:{dest['port']}{path if path.startswith('/') else '/' + path}"
            r = await self.http.post(url, content=body, headers=headers)
            r.raise_for_status()
            for _ in batch:
                box.records.popleft()

    async def _tcp(self, box: _Outbox, host: str, port: int) -> None:
        if box.writer is None or box.tcp_to != (host, port) or box.writer.is_closing():
            await self._close(box)
            _, box.writer = await asyncio.open_connection(host, port)
            box.tcp_to = (host, port)
        while box.records:
            box.writer.write((json.dumps(box.records[0]) + "\n").encode())
            box.records.popleft()
        await box.writer.drain()

    @staticmethod
    async def _close(box: _Outbox) -> None:
        if box.writer is not None:
            box.writer.close()
            with contextlib.suppress(OSError):
                await box.writer.wait_closed()
            box.writer = None

    async def shutdown(self) -> None:
        """Deliver what can be delivered, then stop."""
        if self._task:
            self._task.cancel()
        for box in self.outboxes.values():
            with contextlib.suppress(Exception):
                await self.flush(box)
            await self._close(box)
        await self.http.aclose()
