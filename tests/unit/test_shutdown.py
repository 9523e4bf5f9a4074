"""A dynamic-provider process ends itself once the engine that started it is gone (kill -9 of `pulumi up`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from components.shutdown import engine_address

ROOT = Path(__file__).resolve().parents[2]


def test_engine_address_from_the_providers_argv() -> None:
    assert engine_address(["/x/pulumi/dynamic/__main__.py", "127.0.0.1:34149"]) == ("127.0.0.1", 34149)
    assert engine_address(["/x/__main__.py"]) is None


def test_the_watchdog_exits_when_the_engine_stops_listening() -> None:
    engine = socket.socket()
    engine.bind(("127.0.0.1", 0))
    engine.listen()
    port = engine.getsockname()[1]
    code = ("import time\nfrom components.shutdown import prepare_provider_process as p\n"
            f"assert p(['provider', '127.0.0.1:{port}'], every_s=0.1)\ntime.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        time.sleep(1.0)
        assert proc.poll() is None, "the engine still listens: the provider keeps running"
        engine.close()
        assert proc.wait(5) == 3
    finally:
        proc.kill()
        engine.close()


def test_outside_the_provider_process_nothing_is_started() -> None:
    from components.shutdown import prepare_provider_process

    assert prepare_provider_process() is False  # pytest is not `python -m pulumi.dynamic`
