"""The one interface every engine module implements: what a provider puts in the container for it.

A provider asks the stack's engine for the image, the launch command and env built from the plan, the port
and bind address, the probes' route, how the engine authenticates and the routes the smoke stage checks; no
module outside components/engines/ branches on the engine's name.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel

from components.config import FleetConfig
from components.errors import UserError
from components.sizing.recommend import Plan

MIB = 1024**2
HF_TOKEN_ENV = "HF_TOKEN"  # every engine reads the Hub token from HF_TOKEN (huggingface_hub's own name)
SHARDED_SHM_MIB = 1024  # NCCL between tensor-parallel ranks needs far more than Docker's 64 MB default


class EngineError(UserError, ValueError):
    """The plan asks for something this engine cannot do (a quantization it lacks); names the key and the fix."""


@dataclass(frozen=True)
class Launch:
    """What the container runs for an engine.

    program: the executable and its leading words; empty for an engine the image's own entrypoint starts from env
    (TGI's text-generation-launcher). args: plain arguments. env: plain environment. secret_args: (flag, ENV)
    pairs whose value is a secret the container holds in the environment variable ENV: the argument is written as
    a reference the platform or a shell expands when the container starts, so the secret never sits in the spec.
    """

    program: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    secret_args: tuple[tuple[str, str], ...] = ()

    @property
    def image_default(self) -> bool:
        """True when the image's own entrypoint runs (no command to set)."""
        return not self.program

    def kubernetes_args(self) -> list[str]:
        """args with each secret as $(ENV), which Kubernetes expands from the container's env at start
        (kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#use-environment-
        variables-to-define-arguments). Each as one `--flag=VALUE` word: a key starting with '-' given as a word of
        its own would be read by the engine's argparse as an option."""
        return [*self.args, *(f"{flag}=$({env})" for flag, env in self.secret_args)]

    def shell_line(self, exec_: bool = True) -> str:
        """The whole command as one POSIX shell line (secrets as "$ENV", expanded by the shell); with exec_ the
        engine replaces the shell, so it is the container's main process and receives its stop signal."""
        words = " ".join(shlex.quote(w) for w in (*self.program, *self.args))
        secrets = "".join(f' {shlex.quote(flag)}="${env}"' for flag, env in self.secret_args)  # one word, as above
        return f"{'exec ' if exec_ else ''}{words}{secrets}"

    def exec_form(self) -> list[str]:
        """The command as an exec-form list for a platform that does not expand variables (SaladCloud's
        container `command`, Docker's entrypoint): the program and args, or `sh -c` when a secret must expand."""
        if self.secret_args:
            return ["sh", "-c", self.shell_line()]
        return [*self.program, *self.args]


@dataclass(frozen=True)
class ExtraRoute:
    """The engine's own route the smoke stage checks beside the OpenAI chat completions."""

    name: str
    path: str  # appended to the endpoint


class Engine:
    """An inference engine. Subclasses set the class attributes and implement `launch` (and `quantization`)."""

    name: ClassVar[str]
    default_image: ClassVar[str]  # pinned; tgi-fleet:image overrides it
    default_port: ClassVar[int]  # the engine's own default; the container listens on tgi-fleet:gateway.port
    health_path: ClassVar[str] = "/health"  # 200 once the model is loaded: the readiness and startup probes' route
    openai_base: ClassVar[str] = "/v1"  # OpenAI-compatible routes under the endpoint
    metrics_path: ClassVar[str] = "/metrics"  # Prometheus text
    api_key_env: ClassVar[str] = "API_KEY"  # the environment variable that carries the engine's own API key
    extra_route: ClassVar[ExtraRoute | None] = None
    chat_template: ClassVar[str] = ""  # where its chat template comes from (documentation for docs/engines.md)
    # A line of its log that says why it could not start (regex), for the crash-loop message.
    failure_lines: ClassVar[tuple[str, ...]] = ()
    # It serves TGI's own API (/generate, /generate_stream, /info) beside the OpenAI one.
    tgi_api: ClassVar[bool] = False
    python: ClassVar[str] = "python3"  # the image's Python, for a container health check without curl
    # SaladCloud's gateway reaches containers over IPv6: an engine bound only to IPv4 is unreachable there.
    salad_host: ClassVar[str] = "::"
    # Its launch is a whole OpenAI-compatible server (chat completions under openai_base, the model named by
    # request_model): a platform that runs an image's command as its server (Baseten's docker_server truss) can
    # run it as is. False: it needs a platform's own wrapper (TGI's truss model class) or runs no container.
    openai_server: ClassVar[bool] = False
    # An OpenAI server engine's own flag names (server_args): the model's, and the total length's, prefill
    # batch's, concurrent sequences' and tensor-parallel size's; flags it always adds.
    model_flag: ClassVar[str] = "--model"
    limit_flags: ClassVar[tuple[str, str, str, str]] = ("", "", "", "")
    extra_flags: ClassVar[tuple[str, ...]] = ()
    # tgi-fleet:model.quantize -> this engine's own name for the method (None: the same names, as TGI's).
    quantizations: ClassVar[Mapping[str, str] | None] = None

    def image(self, cfg: FleetConfig) -> str:
        """The image the replicas run: the stack's tgi-fleet:image, else this engine's pinned default."""
        return cfg.image or self.default_image

    def request_model(self, model_id: str) -> str:
        """The `model` a request names (vLLM and SGLang check it against --served-model-name: the model id)."""
        return model_id

    def chat_models(self) -> tuple[type[BaseModel], type[BaseModel]]:
        """The models a chat completion and a stream chunk must validate against (OpenAI's shapes)."""
        from components.engines import openai_shape

        return openai_shape.ChatCompletion, openai_shape.ChatCompletionChunk

    def extra_request(self, model_id: str, prompt: str, max_tokens: int, sampling: dict[str, Any]) -> dict[str, Any]:
        """The body of the smoke stage's request to `extra_route`."""
        raise NotImplementedError

    def extra_answer(self, payload: Any) -> tuple[str, int]:
        """The text and generated-token count of `extra_route`'s answer; ValueError when it has another shape."""
        raise NotImplementedError

    def quantization(self, quantize: str) -> str | None:
        """This engine's name for tgi-fleet:model.quantize ('none': None); EngineError when it has none."""
        if quantize == "none" or self.quantizations is None:
            return None if quantize == "none" else quantize
        if quantize not in self.quantizations:
            raise self._unsupported(quantize, tuple(self.quantizations))
        return self.quantizations[quantize]

    def launch(self, cfg: FleetConfig, plan: Plan, *, host: str, api_key: bool = False) -> Launch:
        """The command and plain env from the plan. host: the bind address the platform needs. api_key: the
        engine checks its own key (the container's `api_key_env` holds it; TGI, vLLM read it from there)."""
        raise NotImplementedError

    def shell_commands(self, launch: Launch) -> list[str]:
        """The launch as the lines of a shell script (a platform that runs `commands` in its own shell, where
        "$VAR" expands from the container's env), as dstack's own vLLM and SGLang examples write it."""
        return [launch.shell_line(exec_=False)]

    def shm_bytes(self, cfg: FleetConfig, plan: Plan) -> int:
        """/dev/shm size: configured, else 1 GiB when sharded, else Docker's 64 MiB."""
        mib = cfg.resources.shm_mb or (SHARDED_SHM_MIB if plan.num_shard > 1 else 64)
        return mib * MIB

    def startup_failure(self, lines: list[str]) -> str | None:
        """The log line that says best why the engine could not start (the first pattern that matches any line:
        the root cause before the generic ending), or None."""
        for pattern in map(re.compile, self.failure_lines):
            found = next((line for line in lines if pattern.search(line)), None)
            if found:
                return found.strip()
        return None

    def sized_flags(self, plan: Plan) -> list[str] | None:
        """The launch flags the plan's sizing set by this engine's own rule (components/sizing/engines.py
        EngineLimits.flags: limits, memory share, KV-cache dtype, quantization), or None when it set none."""
        limits = plan.engine_limits
        if limits is None or limits.engine != self.name:
            return None
        return [part for flag, value in limits.flags.items() for part in (flag, value)]

    def server_args(self, cfg: FleetConfig, plan: Plan, *, host: str) -> list[str]:
        """An OpenAI server engine's arguments: the model and where it listens, then the limits the sizing set by
        the engine's own rule (sized_flags), else the plan's limits under this engine's flag names (limit_flags)."""
        args = [self.model_flag, cfg.model.id, "--served-model-name", cfg.model.id, "--host", host,
                "--port", str(cfg.gateway.port)]
        sized = self.sized_flags(plan)
        if sized is None:
            values = (plan.max_total_tokens, plan.max_batch_prefill_tokens, cfg.serving.max_concurrent_requests,
                      plan.num_shard)
            sized = [part for flag, value in zip(self.limit_flags, values, strict=True) for part in (flag, str(value))]
            quantization = self.quantization(plan.quantize)
            sized += ["--quantization", quantization] if quantization else []
        args += [*sized, "--dtype", cfg.model.dtype, *self.extra_flags]
        if cfg.model.revision:
            args += ["--revision", cfg.model.revision]
        if cfg.model.trust_remote_code:
            args.append("--trust-remote-code")
        return args

    def _unsupported(self, quantize: str, supported: tuple[str, ...]) -> EngineError:
        return EngineError(f"tgi-fleet:model.quantize = {quantize!r}: the {self.name} engine has no such method. "
                           f"Fix: set model.quantize to one of none, {', '.join(supported)}, or tgi-fleet:engine to "
                           f"an engine that has it (tgi).")
