"""A quick exit for the short-lived Python processes of a Pulumi run: the program, the dynamic-provider process."""

from __future__ import annotations

import gc


def freeze_loaded_objects() -> None:
    """Exempt every object allocated so far from the cyclic garbage collector.

    When CPython exits it runs full collections over everything still alive: the Pulumi SDK, gRPC, protobuf
    descriptors, pydantic schemas. That is ~40 ms per process on every `pulumi preview`, paid by the program and
    again by the dynamic-provider process, and the engine waits for both to exit. Those objects live until exit
    anyway; whatever is allocated later (a create's HTTP clients, the smoke test's streams) is collected as usual.
    """
    gc.freeze()
