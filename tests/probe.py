"""Availability during an update: GET /health through the emulator's gateway at 10 Hz."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.emulator_fixture import KEY, Emulator


@dataclass
class Probe:
    """GET /health through the gateway at 10 Hz for each access domain; a tick fails when none of them answers.

    follow: also probe every group that appears (a router in front of the groups, or a client that follows the
    endpoint the stack names), found through the API once a second.
    """

    emu: Emulator
    domains: list[str]
    follow: bool = False
    ticks: int = 0
    failed: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=2) as c, self.emu.client() as api:
            while not self.stop.is_set():
                if self.follow and self.ticks % 10 == 0:
                    self.domains += [g.networking.dns for g in api.list_groups()
                                     if g.networking and g.networking.dns and g.networking.dns not in self.domains]
                ok = False
                for dns in list(self.domains):
                    try:
                        r = c.get(f"http://{self.emu.gateway}/health", headers={"Host": dns, "Salad-Api-Key": KEY})
                        ok = ok or r.status_code == 200
                    except httpx.TransportError:
                        pass
                self.ticks += 1
                if not ok:
                    self.failed.append(time.monotonic())
                time.sleep(0.1)

    @property
    def outage_s(self) -> float:
        """Seconds without an answer (failed ticks x the 0.1 s tick)."""
        return round(len(self.failed) * 0.1, 1)


@contextmanager
def probing(emu: Emulator, *domains: str, follow: bool = False) -> Iterator[Probe]:
    """Probe in a thread for the duration of the block."""
    probe = Probe(emu, list(domains), follow)
    thread = threading.Thread(target=probe.run, daemon=True)
    thread.start()
    try:
        yield probe
    finally:
        probe.stop.set()
        thread.join(5)
