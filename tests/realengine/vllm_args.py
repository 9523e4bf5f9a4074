"""vLLM's own argument parser over argv lists, run in the real vLLM's venv: what `vllm serve` would accept.

`vllm_parse(argv)` parses with `make_arg_parser(FlexibleArgumentParser())` and `validate_parsed_serve_args`, the
two steps the OpenAI server's main runs before it loads anything (vLLM 0.32: vllm/entrypoints/launchers/cli_args.py;
earlier releases: vllm/entrypoints/openai/cli_args.py), and fails the test on a value vLLM refuses. Importing vLLM's
argument definitions takes ~50 s on 2 busy cores, so one parser process serves the whole session, an argv a line.
"""

from __future__ import annotations

import atexit
import json
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

from tests.realengine.vllm_server import ROOT, vllm_python

# Runs in .venv-vllm: reads one JSON argv a line, answers one JSON line each.
PARSE = r"""
import contextlib, io, json, sys
try:
    from vllm.entrypoints.launchers.cli_args import make_arg_parser, validate_parsed_serve_args
except ImportError:  # vLLM before 0.32
    from vllm.entrypoints.openai.cli_args import make_arg_parser, validate_parsed_serve_args
from vllm.utils.argparse_utils import FlexibleArgumentParser

for line in sys.stdin:
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = make_arg_parser(FlexibleArgumentParser(prog="vllm serve")).parse_args(json.loads(line))
            validate_parsed_serve_args(args)
    except SystemExit as exc:
        lines = err.getvalue().strip().splitlines()  # argparse's usage, then "vllm serve: error: ..."
        answer = {"ok": False, "error": lines[-1] if lines else f"exit {exc.code}"}
    except Exception as exc:
        answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    else:
        answer = {"ok": True, "args": json.loads(json.dumps(vars(args), default=str))}
    print("ANSWER " + json.dumps(answer), flush=True)
"""

_parser: subprocess.Popen[str] | None = None


def _process() -> subprocess.Popen[str]:
    """The session's parser process, started on first use and stopped when the test process exits."""
    global _parser
    if _parser is None or _parser.poll() is not None:
        _parser = subprocess.Popen([str(vllm_python()), "-c", PARSE], cwd=ROOT, text=True, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        atexit.register(_stop, _parser)
    return _parser


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def vllm_parse_all(argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Each argv's answer: {"ok": True, "args": {dest: value}} or {"ok": False, "error": vLLM's message}."""
    proc = _process()
    assert proc.stdin is not None and proc.stdout is not None
    answers = []
    for argv in argvs:
        proc.stdin.write(json.dumps(list(argv)) + "\n")
        proc.stdin.flush()
        while True:  # vLLM may print lines of its own (warnings) before the answer
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"vLLM's argument parser exited (status {proc.wait(10)}) on {list(argv)}")
            if line.startswith("ANSWER "):
                answers.append(json.loads(line[len("ANSWER "):]))
                break
    return answers


def vllm_parse(argv: Sequence[str]) -> dict[str, Any]:
    """The arguments vLLM parses from argv; the test fails, with vLLM's message, when it refuses one."""
    answer = vllm_parse_all([argv])[0]
    if not answer["ok"]:
        pytest.fail(f"vLLM refuses {list(argv)}: {answer['error']}")
    args: dict[str, Any] = answer["args"]
    return args
