"""A loaded client during an update: a few workers send chat completions through the emulator's gateway, paced,
and record every answer; optionally the client follows the endpoint the stack publishes.

What a client sees is counted per request (failed / total), and the longest gap is the longest time without a
successful answer (between two successes, or from the start to the first / the last to the end).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.emulator_fixture import KEY
from tests.engine.harness import Project

BODY = {"model": "tgi", "messages": [{"role": "user", "content": "What is Deep Learning?"}], "max_tokens": 8}


@dataclass
class Answer:
    """One request: when it was sent and answered (monotonic), and why it failed ('' when it did not)."""

    sent: float
    done: float
    domain: str
    error: str = ""


@dataclass
class Load:
    """`workers` clients, each sending one chat completion every `pace_s` at most, to the access domain that
    `domain()` names at the moment of sending (a fixed one, or the one the stack publishes now)."""

    gateway: str  # host:port of the emulator's gateway
    domain: Callable[[], str]
    workers: int = 4
    pace_s: float = 0.1
    timeout_s: float = 10.0
    answers: list[Answer] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def worker(self) -> None:
        with httpx.Client(timeout=self.timeout_s) as c:
            while not self.stop.is_set():
                dns = self.domain()
                sent = time.monotonic()
                error = ""
                try:
                    r = c.post(f"http://{self.gateway}/v1/chat/completions", json=BODY,
                               headers={"Host": dns, "Salad-Api-Key": KEY})
                    if r.status_code != 200:
                        error = f"HTTP {r.status_code}"
                    elif not r.json().get("choices"):
                        error = "no choices"
                except (httpx.HTTPError, ValueError) as exc:
                    error = type(exc).__name__
                done = time.monotonic()
                with self.lock:
                    self.answers.append(Answer(sent, done, dns, error))
                self.stop.wait(max(0.0, self.pace_s - (done - sent)))

    @property
    def total(self) -> int:
        return len(self.answers)

    @property
    def failed(self) -> list[Answer]:
        return [a for a in self.answers if a.error]

    @property
    def longest_gap_s(self) -> float:
        """The longest time without a successful answer, over the whole load."""
        times = sorted(a.done for a in self.answers if not a.error)
        edges = [self.started, *times, self.ended]
        return round(max(b - a for a, b in itertools.pairwise(edges)), 2)

    def summary(self) -> str:
        why = sorted({a.error for a in self.failed})
        return (f"{len(self.failed)} of {self.total} requests failed, longest gap {self.longest_gap_s:.2f} s"
                + (f" ({', '.join(why)})" if why else ""))


class Follower:
    """A client that follows the stack: re-reads where it publishes the endpoint every `every_s`."""

    def __init__(self, read: Callable[[], str], every_s: float = 1.0) -> None:
        self.read, self.every_s = read, every_s
        self.current = read()
        self.seen = [self.current]
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            try:
                value = self.read()
            except (AssertionError, KeyError, ValueError):  # the CLI failed this once: try again
                continue
            if value and value != self.current:
                self.current = value
                self.seen.append(value)


def proven_domain(project: Project) -> str:
    """The access domain the last smoke test proved, as the stack's state holds it now (`pulumi stack export`).

    Pulumi writes a resource's state as soon as its step ends, but the stack outputs only when the whole update
    has ended, after the old blue-green group's delete: during the drain, the state is where the new endpoint is.
    """
    resources = json.loads(project.export())["deployment"]["resources"]
    [smoke] = [r for r in resources if r["urn"].endswith("-smoke") and not r.get("delete")]
    return str(smoke["outputs"]["plain_headers"]["Host"])


@contextmanager
def loading(gateway: str, domain: str | Follower, workers: int = 4, pace_s: float = 0.1) -> Iterator[Load]:
    """Send the load in threads for the duration of the block (following a Follower's value if given one)."""
    follower = domain if isinstance(domain, Follower) else None
    load = Load(gateway, (lambda: follower.current) if follower else (lambda: str(domain)), workers, pace_s)
    threads = [threading.Thread(target=load.worker, daemon=True) for _ in range(workers)]
    if follower:
        threads.append(threading.Thread(target=follower.run, daemon=True))
    load.started = time.monotonic()
    for t in threads:
        t.start()
    try:
        yield load
    finally:
        load.stop.set()
        if follower:
            follower.stop.set()
        for t in threads:
            t.join(load.timeout_s + 5)
        load.ended = time.monotonic()
