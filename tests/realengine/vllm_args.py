"""vLLM's own argument parser over argv lists, run in the real vLLM's venv: what `vllm serve` would accept.

`vllm_parse(argv)` parses with `make_arg_parser(FlexibleArgumentParser())` and `validate_parsed_serve_args`, the
two steps the OpenAI server's main runs before it loads anything (vLLM 0.32: vllm/entrypoints/launchers/cli_args.py;
earlier releases: vllm/entrypoints/openai/cli_args.py), and fails the test on a value vLLM refuses.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest

from tests.realengine.vllm_server import ROOT, vllm_python

# Runs in .venv-vllm: parses each argv of the JSON list on stdin, prints one JSON answer per argv.
PARSE = r"""
import contextlib, io, json, sys
try:
    from vllm.entrypoints.launchers.cli_args import make_arg_parser, validate_parsed_serve_args
except ImportError:  # vLLM before 0.32
    from vllm.entrypoints.openai.cli_args import make_arg_parser, validate_parsed_serve_args
from vllm.utils.argparse_utils import FlexibleArgumentParser

answers = []
for argv in json.load(sys.stdin):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            args = make_arg_parser(FlexibleArgumentParser(prog="vllm serve")).parse_args(argv)
            validate_parsed_serve_args(args)
    except SystemExit as exc:
        lines = err.getvalue().strip().splitlines()  # argparse's usage, then "vllm serve: error: ..."
        answers.append({"ok": False, "error": lines[-1] if lines else f"exit {exc.code}"})
    except Exception as exc:
        answers.append({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    else:
        answers.append({"ok": True, "args": json.loads(json.dumps(vars(args), default=str))})
print(json.dumps(answers))
"""


def vllm_parse_all(argvs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Each argv's answer: {"ok": True, "args": {dest: value}} or {"ok": False, "error": vLLM's message}.

    One interpreter for the lot: importing vLLM's argument definitions takes seconds."""
    r = subprocess.run([str(vllm_python()), "-c", PARSE], input=json.dumps([list(a) for a in argvs]),
                       capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    if r.returncode != 0:
        pytest.fail(f"vLLM's argument parser did not run: {r.stderr[-2000:]}")
    answers: list[dict[str, Any]] = json.loads(r.stdout.strip().splitlines()[-1])
    return answers


def vllm_parse(argv: Sequence[str]) -> dict[str, Any]:
    """The arguments vLLM parses from argv; the test fails, with vLLM's message, when it refuses one."""
    answer = vllm_parse_all([argv])[0]
    if not answer["ok"]:
        pytest.fail(f"vLLM refuses {list(argv)}: {answer['error']}")
    args: dict[str, Any] = answer["args"]
    return args
