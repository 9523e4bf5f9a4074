"""The program's exit when the engine interrupts it (SIGINT to the language host's process group)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAITING = """
import asyncio, sys
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
