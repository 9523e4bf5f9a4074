"""What a container runs here: its image's ENTRYPOINT and CMD, or its `command`, mapped to a process on loopback.

SaladCloud runs a container group's image with the container's `command` in place of the image's ENTRYPOINT and CMD
when one is given (contracts/salad/salad-cloud.yaml, CreateContainer.command: "Pass a command (and optional
arguments) to override the ENTRYPOINT and CMD of a container image"), and its environment variables. The emulator
runs no images: it knows a few by their entrypoints and starts what stands in for them —

- TGI's images (ENTRYPOINT `text-generation-launcher`, CMD `--json-output`:
  huggingface/text-generation-inference Dockerfile) and any image it does not know: the simulated TGI
  (emulator.replica), which reads TGI's environment variables, as before.
- `vllm/vllm-openai` (ENTRYPOINT `vllm serve`, no CMD: vllm-project/vllm docker/Dockerfile @ dead20ba, target
  vllm-openai; older images: `python3 -m vllm.entrypoints.openai.api_server`): the simulated vLLM
  (`python -m emulator.replica.vllm <vLLM's args>`), or with a real engine configured (`--real-engine
  vllm=PYTHON`) the real vLLM's OpenAI server, `PYTHON -m vllm.entrypoints.openai.api_server <args>`, with its
  model cache offline.
- `lmsysorg/sglang` (no ENTRYPOINT or CMD of its own: sgl-project/sglang docker/Dockerfile; the container's command
  says `python3 -m sglang.launch_server ...`): the simulated SGLang (`python -m emulator.replica.sglang <args>`).

An engine's `--host`/`--port` are rewritten to 127.0.0.1 and the replica's free port, the way the emulator maps every
replica's port (the gateway routes to it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Image repositories (the reference without its tag or digest) and what their ENTRYPOINT + CMD run.
TGI_IMAGES = ("ghcr.io/huggingface/text-generation-inference", "saladtechnologies/text-generation-inference")
IMAGES: dict[str, tuple[str, ...]] = {
    **{repo: ("text-generation-launcher", "--json-output") for repo in TGI_IMAGES},
    "vllm/vllm-openai": ("vllm", "serve"),
    "lmsysorg/sglang": (),
}
# Programs a container's argv may start with, and the engine each one is; the arguments follow.
PYTHONS = ("python", "python3")
PROGRAMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("text-generation-launcher",), "tgi"),
    (("vllm", "serve"), "vllm"),
    *(((py, "-m", "vllm.entrypoints.openai.api_server"), "vllm") for py in PYTHONS),
    *(((py, "-m", "sglang.launch_server"), "sglang") for py in PYTHONS),
)
SIMULATED = {"tgi": "emulator.replica", "vllm": "emulator.replica.vllm", "sglang": "emulator.replica.sglang"}
REAL_ENGINES = ("vllm",)  # engines whose real server the emulator can start (--real-engine ENGINE=PYTHON)
# The real vLLM's KV cache on CPU, GiB (its CPU build preallocates this instead of a share of GPU memory).
VLLM_CPU_KVCACHE_GIB = "1"


class ImageError(Exception):
    """The container cannot start here; the message says why, as the container's start failure."""


@dataclass(frozen=True)
class Launch:
    """The process a container becomes: which engine, simulated or real, and its command line less the binding."""

    engine: str
    real: bool
    program: tuple[str, ...]
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def argv(self, port: int) -> list[str]:
        """The command line, bound to 127.0.0.1:port (the simulated TGI takes only --port: it reads TGI's env)."""
        if self.engine == "tgi":
            return [*self.program, "--port", str(port)]
        return [*self.program, *self.args, "--host", "127.0.0.1", "--port", str(port)]


@dataclass(frozen=True)
class Engines:
    """The emulator's engine options: real engines to run (engine -> its venv's python) and their model cache."""

    real: Mapping[str, str] = field(default_factory=dict)
    model_cache: Path | None = None  # the HF_HOME real engines load models from (offline: no download here)

    @classmethod
    def parse(cls, specs: Sequence[str], model_cache: Path | None) -> Engines:
        """From --real-engine ENGINE=PYTHON options; ValueError naming the option when one is wrong."""
        real: dict[str, str] = {}
        for spec in specs:
            engine, sep, python = spec.partition("=")
            if not sep or engine not in REAL_ENGINES or not python:
                raise ValueError(f"--real-engine {spec!r}: expected ENGINE=PATH/TO/python with ENGINE one of "
                                 f"{', '.join(REAL_ENGINES)} (e.g. --real-engine vllm=.venv-vllm/bin/python)")
            if not Path(python).is_file():
                raise ValueError(f"--real-engine {spec!r}: {python} is not a file (make it with "
                                 "`scripts/setup.sh vllm`, which writes .venv-vllm)")
            real[engine] = os.path.abspath(python)  # not resolve(): a venv's python is a symlink that must stay one
        if real and model_cache is None:
            raise ValueError("--real-engine needs --model-cache DIR: the HF_HOME the real engine loads its model "
                             "from (offline; e.g. the one `scripts/tiny_model.py --hf-home DIR` builds)")
        return cls(real, model_cache)

    def launch(self, image: str, command: Sequence[str] | None) -> Launch:
        """What a container of `image` with `command` (None or empty: the image's own) runs here."""
        repo = repository(image)
        argv = tuple(command) if command else IMAGES.get(repo, ("text-generation-launcher",))
        if not argv:
            raise ImageError(f"the image {image} has no ENTRYPOINT or CMD to run: set the container's command "
                             "(e.g. python3 -m sglang.launch_server --model-path ...)")
        for program, engine in PROGRAMS:
            if argv[:len(program)] == program:
                return self._engine(engine, argv[len(program):])
        if repo in IMAGES:
            raise ImageError(f"exec: {argv[0]!r}: the emulator runs {image} only as its engine's server "
                             f"({', '.join(' '.join(p) for p, _ in PROGRAMS)})")
        return self._engine("tgi", ())  # an image the emulator does not know: the simulated TGI, as always

    def server(self, image: str, argv: Sequence[str]) -> Launch | None:
        """What stands in for a server started as `argv` in `image` (a Baseten docker_server's start command, which
        truss runs in place of the image's ENTRYPOINT): the engine's server when argv starts with an engine's
        program or the image is an engine's; None for a program of an image this table does not know (the caller
        has no stand-in); ImageError when an engine's image is asked to run something else."""
        known = any(tuple(argv[:len(program)]) == program for program, _ in PROGRAMS)
        if not argv or not (known or repository(image) in IMAGES):
            return None
        return self.launch(image, argv)

    def _engine(self, engine: str, args: tuple[str, ...]) -> Launch:
        args = without_binding(args)
        if engine == "vllm" and args and not args[0].startswith("-"):
            args = ("--model", *args)  # `vllm serve MODEL`: the api_server module takes it as --model
        python = self.real.get(engine)
        if python is None:
            return Launch(engine, False, (sys.executable, "-m", SIMULATED[engine]), args)
        assert self.model_cache is not None  # parse() requires it with a real engine
        env = {"HF_HOME": str(self.model_cache), "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": VLLM_CPU_KVCACHE_GIB}
        return Launch(engine, True, (python, "-m", "vllm.entrypoints.openai.api_server"), args, env)


def repository(image: str) -> str:
    """The image reference without its digest or tag (a registry's :port stays)."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def without_binding(args: Sequence[str]) -> tuple[str, ...]:
    """The arguments less --host/--port (either form, `--port 8000` or `--port=8000`): the emulator binds."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--host", "--port"):
            skip = True
        elif not arg.startswith(("--host=", "--port=")):
            out.append(arg)
    return tuple(out)
