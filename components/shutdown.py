"""The short-lived Python processes of a Pulumi run: a quick exit, and no provider or analyzer outliving its engine."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import sys
import threading
import time

WATCH_EVERY_S = 1.0


def freeze_loaded_objects() -> None:
    """Exempt every object allocated so far from the cyclic garbage collector.

    When CPython exits it runs full collections over everything still alive: the Pulumi SDK, gRPC, protobuf
    descriptors, pydantic schemas. That is ~40 ms per process on every `pulumi preview`, paid by the program and
    again by the dynamic-provider process, and the engine waits for both to exit. Those objects live until exit
    anyway; whatever is allocated later (a create's HTTP clients, the smoke test's streams) is collected as usual.
    """
    gc.freeze()


def engine_address(argv: list[str]) -> tuple[str, int] | None:
    """The engine's gRPC address a dynamic-provider process was started with (`python -m pulumi.dynamic HOST:PORT`)."""
    for arg in argv[1:]:
        host, sep, port = arg.rpartition(":")
        if sep and host and port.isdigit():
            return host, int(port)
    return None


def engine_alive(address: tuple[str, int], timeout_s: float = 1.0) -> bool:
    """Does the engine still listen? (A killed engine's port refuses at once.)"""
    try:
        with socket.create_connection(address, timeout=timeout_s):
            return True
    except OSError:
        return False


def _watch(address: tuple[str, int], every_s: float) -> None:
    misses = 0
    while True:
        time.sleep(every_s)
        misses = 0 if engine_alive(address) else misses + 1
        if misses >= 2:  # twice in a row: not a passing hiccup
            # The engine was killed (kill -9, a crashed CI runner): nobody will ever stop us. Exit now rather
            # than linger with our gRPC server, our child processes and whatever create was in flight.
            os._exit(3)


def watch_engine(argv: list[str], every_s: float = WATCH_EVERY_S) -> bool:
    """Start a daemon thread that ends this process once the engine at argv's address is gone; whether it started."""
    address = engine_address(argv)
    if address is None:
        return False
    threading.Thread(target=_watch, args=(address, every_s), name="tgi-fleet-engine-watch", daemon=True).start()
    return True


def prepare_provider_process(argv: list[str] | None = None, every_s: float = WATCH_EVERY_S) -> bool:
    """Call at import of every module a dynamic provider is unpickled from.

    Freezes what is loaded (a quick exit). In the engine's dynamic-provider process (`python -m pulumi.dynamic
    ADDRESS`, or when argv is given) it also starts the engine watch (watch_engine). Returns whether it started.
    """
    freeze_loaded_objects()
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if argv is None and getattr(spec, "name", None) != "pulumi.dynamic.__main__":
        return False
    return watch_engine(sys.argv if argv is None else argv, every_s)


def exit_quietly_when_the_engine_stops() -> None:
    """Exit at once, without a traceback, when the engine interrupts the program.

    The engine ends a run early (a mandatory policy fails the preview, a resource fails) by closing the language
    host: it sends SIGINT to the host's process group, which holds this program. The program is then usually still
    waiting for the engine's answer to its last registration, in the asyncio loop of pulumi-language-python-exec;
    Python's default turns the signal into a KeyboardInterrupt traceback, which the engine prints under its own
    reason. The engine has said why it stopped: the program has nothing to add.
    """
    def stop(signum: int, frame: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            # The signal may come in the middle of the stream's own write (a "reentrant call" of its buffer), or
            # the stream be closed: what it holds cannot be flushed safely then, and the exit must stay quiet.
            with contextlib.suppress(RuntimeError, OSError, ValueError):
                stream.flush()
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, stop)
