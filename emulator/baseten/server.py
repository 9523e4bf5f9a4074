"""Wiring of the emulated Baseten: workspace + reconciler on the shared supervisor, the API and inference apps,
and the S3 the truss archives go to (moto in this process, loopback only, unless an endpoint is given).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.baseten.accelerators import gpus_of
from emulator.baseten.api import Uploads, create_api
from emulator.baseten.docker_server import Resolver, tgi_launcher
from emulator.baseten.inference import create_inference
from emulator.baseten.lifecycle import Lifecycle, Timings
from emulator.baseten.state import Workspace
from emulator.supervisor import Supervisor


@dataclass
class Baseten:
    """A running emulated Baseten: its apps and the pieces tests look into."""

    lifecycle: Lifecycle
    api: Any
    inference: Any
    uploads: Uploads


@contextlib.contextmanager
def local_s3(port: int | None) -> Iterator[str | None]:
    """moto's S3 on 127.0.0.1:port for the lifetime of the block (None: no S3 here)."""
    if port is None:
        yield None
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def build(state_path: Path | None, supervisor: Supervisor, api_key: str, timings: Timings,
          s3_endpoint: str | None, rate_limit: int = 600, resolve: Resolver = tgi_launcher) -> Baseten:
    """The emulated Baseten over one supervisor (start its lifecycle inside the running event loop); resolve:
    which local process stands in for a docker_server truss's server (image, argv)."""
    uploads = Uploads(s3_endpoint)
    uploads.ensure_bucket()
    read = uploads.read if s3_endpoint else None
    life = Lifecycle(Workspace(state_path), supervisor, timings, gpus_of, read, resolve)
    return Baseten(life, create_api(life, uploads, api_key, rate_limit), create_inference(life, api_key), uploads)
