"""A truss that runs an inference server's own image: truss's `docker_server`, what truss documents for vLLM/SGLang.

Pure: from generic inputs (an image, the server's command line, plain env, which env var reads which Baseten
secret, its port and routes) to the truss config's sections. No engine is named here: the engine modules give
the inputs, the provider glue (truss.server_config) adds Baseten's resources and scaling.

What the sections mean, from the sources:
- truss's schema (basetenlabs/truss truss/base/truss_config.py, class DockerServer, commit
  0bee989b9ec85ed9d29374ab4d7e2883e49de87e): start_command, server_port ("Port 8080 is reserved by Baseten's
  internal reverse proxy"), predict_endpoint (mapped to Baseten's /predict), readiness_endpoint, liveness_endpoint.
- truss's server image (truss/contexts/image_builder/serving_image_builder.py, same commit): supervisord runs
  start_command as its `command`, which supervisord splits like a shell but runs without one; hence `sh -c` when
  the command must read a secret. nginx on 8080 (truss/templates/docker_server/proxy.conf.jinja) sends `/` to
  liveness_endpoint, /v1/models/model to readiness_endpoint, /v1/models/model:predict to predict_endpoint and every
  other path unchanged to 127.0.0.1:server_port, which is how Baseten's /sync/<route> reaches the server.
- Secrets (docs.baseten.co/development/model/secrets, "Use secrets in custom Docker images"): a secret named in
  `secrets` (value null: a reference, never the value) is mounted at /secrets/<name>; the start command reads it,
  `sh -c "HF_TOKEN=$(cat /secrets/hf_access_token) my-server --port 8000"`, as truss-examples' vLLM and SGLang
  trusses do (lora/vllm-lora/config.yaml, commit 0651efe7cfc003f53a4c984bff9781bcfb1a3778;
  custom-server/llama3-8b-instruct-sglang/config.yaml, commit 48f75a7ee82fbe27c832f07469860950e6da5309).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# truss writes supervisord.conf with Python's configparser, which refuses a '%' it cannot interpolate, and
# supervisord expands %(ENV_x)s in a command: a word with '%' (a Jinja chat template) travels as an env var.
ARG_ENV = "SERVER_ARG_{}"
RESERVED_PORT = 8080  # truss's nginx listens here (proxy.conf.jinja `listen 8080`)
SECRETS_DIR = "/secrets"  # where Baseten mounts the truss's secrets in a custom server's container
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Baseten treats every non-alphanumeric character of a secret name alike
# (docs.baseten.co/applications/files/secret-management); letters, digits, '_' and '-' keep the name safe inside
# the start command's shell words.
_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class ServerSpec(BaseModel):
    """An inference server as its image runs it: what a docker_server truss is made of."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image: str = Field(min_length=1, description="the server's image, e.g. vllm/vllm-openai:v0.12.0")
    command: tuple[str, ...] = Field(min_length=1, description="the whole command line, program first (truss "
                                                               "replaces the image's ENTRYPOINT)")
    env: dict[str, str] = Field(default_factory=dict, description="plain environment variables")
    secret_env: dict[str, str] = Field(default_factory=dict, description="env var -> the Baseten secret it reads")
    port: int = Field(ge=1, le=65535, description="where the server listens (docker_server.server_port)")
    readiness_path: str = Field(description="answers 200 once the server takes traffic")
    liveness_path: str | None = Field(None, description="answers 200 while the server lives; default readiness")
    predict_path: str = Field(description="the route Baseten's /predict maps to, e.g. /v1/chat/completions")

    @field_validator("readiness_path", "liveness_path", "predict_path")
    @classmethod
    def _absolute(cls, path: str | None) -> str | None:
        if path is not None and not path.startswith("/"):
            raise ValueError(f"{path!r} must be a path starting with '/'")
        return path

    @field_validator("port")
    @classmethod
    def _not_the_proxys(cls, port: int) -> int:
        if port == RESERVED_PORT:
            # Baseten: "If your server binds to port 8080, the deployment fails with [Errno 98] address already in
            # use" (docs.baseten.co/development/model/custom-server).
            raise ValueError(f"port {RESERVED_PORT} is truss's own proxy's; the server must listen elsewhere")
        return port

    @model_validator(mode="after")
    def _names(self) -> ServerSpec:
        for name in [*self.env, *self.secret_env]:
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        for secret in self.secret_env.values():
            if not _SECRET_NAME.match(secret):
                raise ValueError(f"{secret!r} is not a Baseten secret name (letters, digits, '_' or '-')")
        both = sorted(set(self.env) & set(self.secret_env))
        if both:
            raise ValueError(f"{both} set both in plain env and from a secret")
        owned = sorted(n for n in [*self.env, *self.secret_env] if re.fullmatch(ARG_ENV.format(r"\d+"), n))
        if owned:
            raise ValueError(f"{owned}: SERVER_ARG_<n> carry the command's words that hold '%'")
        return self

    def words_by_env(self) -> dict[int, str]:
        """Index -> env var of the command's words that cannot sit in supervisord's command line ('%')."""
        return {i: ARG_ENV.format(i) for i, word in enumerate(self.command) if "%" in word}


def start_command(spec: ServerSpec) -> str:
    """docker_server.start_command: the server's command line; under `sh -c` when env vars read secret files.

    `exec` hands the shell's process to the server, so supervisord's stop signal reaches the server itself; a
    word with '%' is read from its SERVER_ARG_<n> env var (sections() sets it).
    """
    by_env = spec.words_by_env()
    if not spec.secret_env and not by_env:
        return shlex.join(spec.command)
    words = " ".join(f'"${by_env[i]}"' if i in by_env else shlex.quote(w) for i, w in enumerate(spec.command))
    reads = "".join(f'{env}="$(cat {SECRETS_DIR}/{name})" ' for env, name in spec.secret_env.items())
    return f"sh -c {shlex.quote(f'{reads}exec {words}')}"


def sections(spec: ServerSpec) -> dict[str, Any]:
    """The truss config's base_image, docker_server, secrets and environment_variables sections for the server."""
    config: dict[str, Any] = {
        "base_image": {"image": spec.image},
        "docker_server": {"start_command": start_command(spec), "server_port": spec.port,
                          "predict_endpoint": spec.predict_path, "readiness_endpoint": spec.readiness_path,
                          "liveness_endpoint": spec.liveness_path or spec.readiness_path},
    }
    if spec.secret_env:
        config["secrets"] = dict.fromkeys(sorted(set(spec.secret_env.values())))  # references, never values
    env = {**spec.env, **{name: spec.command[i] for i, name in spec.words_by_env().items()}}
    if env:
        config["environment_variables"] = env
    return config
