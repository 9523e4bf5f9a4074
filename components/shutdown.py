"""A quick exit for the short-lived Python processes of a Pulumi run: the program, the dynamic-provider process."""

from __future__ import annotations

import gc
import os
import signal
import sys


def freeze_loaded_objects() -> None:
    """Exempt every object allocated so far from the cyclic garbage collector.

    When CPython exits it runs full collections over everything still alive: the Pulumi SDK, gRPC, protobuf
    descriptors, pydantic schemas. That is ~40 ms per process on every `pulumi preview`, paid by the program and
    again by the dynamic-provider process, and the engine waits for both to exit. Those objects live until exit
    anyway; whatever is allocated later (a create's HTTP clients, the smoke test's streams) is collected as usual.
    """
    gc.freeze()


def exit_quietly_when_the_engine_stops() -> None:
    """Exit at once, without a traceback, when the engine interrupts the program.

    The engine ends a run early (a mandatory policy fails the preview, a resource fails) by closing the language
    host: it sends SIGINT to the host's process group, which holds this program. The program is then usually still
    waiting for the engine's answer to its last registration, in the asyncio loop of pulumi-language-python-exec;
    Python's default turns the signal into a KeyboardInterrupt traceback, which the engine prints under its own
    reason. The engine has said why it stopped: the program has nothing to add.
    """
    def stop(signum: int, frame: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, stop)
