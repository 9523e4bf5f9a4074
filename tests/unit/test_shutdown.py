"""The engine's Python processes: the program exits quietly when the engine interrupts it, and a dynamic-provider
process ends itself once the engine that started it is gone (kill -9 of `pulumi up`)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from components.shutdown import engine_address

ROOT = Path(__file__).resolve().parents[2]
WAITING = """
import asyncio, signal, sys
# Python's own Ctrl-C handler even when this test runs in a background job (which starts with SIGINT ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
from components.shutdown import exit_quietly_when_the_engine_stops
if sys.argv[1] == "quiet":
    exit_quietly_when_the_engine_stops()
print("waiting", flush=True)
# Where the engine's interrupt finds the program: pulumi-language-python-exec's loop, awaiting an RPC answer.
asyncio.new_event_loop().run_until_complete(asyncio.sleep(60))
"""


def interrupted(mode: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.Popen([sys.executable, "-c", WAITING, mode], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "waiting\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("mode", ["default", "quiet"])
def test_an_interrupted_program_exits_without_a_traceback(mode: str) -> None:
    out = interrupted(mode)
    if mode == "default":  # what the engine printed under a failed preview before
        assert "KeyboardInterrupt" in out.stderr and "Traceback" in out.stderr
    else:
        assert out.stderr == "" and out.returncode == 128 + signal.SIGINT, out



INTERRUPTED_WRITE = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from components.shutdown import exit_quietly_when_the_engine_stops
exit_quietly_when_the_engine_stops()
class Writing:  # stdout as the signal finds it in the middle of its own flush
    def flush(self):
        raise RuntimeError("reentrant call inside <_io.BufferedWriter name='<stdout>'>")
sys.stdout = Writing()
os.kill(os.getpid(), signal.SIGINT)
"""


def test_an_interrupt_during_a_write_exits_quietly_too() -> None:
    """Seen once in a cold `make test`: SIGINT arrived while stdout was flushing, and the handler's own flush raised
    "reentrant call" with a traceback."""
    out = subprocess.run([sys.executable, "-c", INTERRUPTED_WRITE], cwd=ROOT, capture_output=True, text=True,
                         timeout=30)
    assert out.stderr == "" and out.returncode == 128 + signal.SIGINT, out


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
