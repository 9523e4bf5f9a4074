"""BasetenService: one Baseten model serving the plan's truss, its OpenAI route as the endpoint, Api-Key auth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pydantic import ValidationError

from components.config import FleetConfig
from components.engines.registry import engine
from components.providers.base import BuildContext
from components.providers.baseten import API_KEY
from components.providers.baseten.docker_server import ServerSpec
from components.providers.baseten.resource import BasetenModel
from components.providers.baseten.settings import BasetenSettings
from components.providers.baseten.truss import (
    TrussError,
    deploy_timeout_s,
    max_new_tokens,
    served_model,
    truss_config,
)
from components.service import ServiceOutputs, TgiService
from components.sizing.recommend import Plan
from components.tgi import HF_TOKEN_ENV

AUTH_HINT = {"header": "Authorization", "env": "BASETEN_API_KEY", "value_hint": "Api-Key $BASETEN_API_KEY"}
OPENAI_SUFFIX = "/v1"  # the smoke stage and clients append /v1/chat/completions to the endpoint
SEED_001_TOP_K = 40  # the Mistral truss's predict defaults (seed 001): temperature 0.1, top_p 0.75, top_k 40
SEED_004_KNOBS = {"top_k": 50, "beam_width": 1, "bad_words_list": [], "repetition_penalty": 1.0}  # Mixtral truss


CHAT_PATH = "/v1/chat/completions"  # the OpenAI route vLLM and SGLang serve, and the smoke stage calls


def engine_server(*, image: str, command: Sequence[str], env: Mapping[str, str], port: int, health_path: str,
                  secret_env: Mapping[str, str] | None = None, chat_path: str = CHAT_PATH) -> ServerSpec:
    """An OpenAI-compatible engine's server (vLLM, SGLang) as Baseten runs it: the glue the engine seam calls.

    image, command (program first: truss replaces the image's ENTRYPOINT, so `vllm serve ...` or
    `python3 -m sglang.launch_server ...`), plain env, port and health route come from the engine; readiness and
    liveness probe the health route and Baseten's /predict maps to the chat route, as truss-examples' vLLM and
    SGLang trusses do (essential/config.yaml, commit 3003cbe5e66cd40e89d625738b5cf78b05b53d09). The HF token is
    added by the truss (truss.server_config). Pass the result to BasetenService(server=...).
    """
    return ServerSpec(image=image, command=tuple(command), env=dict(env), secret_env=dict(secret_env or {}),
                      port=port, readiness_path=health_path, liveness_path=health_path, predict_path=chat_path)


# truss's nginx forwards to the server at 127.0.0.1:server_port (basetenlabs/truss
# truss/templates/docker_server/proxy.conf.jinja, commit 0bee989b9ec85ed9d29374ab4d7e2883e49de87e): loopback is
# enough, as in truss-examples' SGLang truss, whose launch_server keeps its default --host 127.0.0.1.
SERVER_HOST = "127.0.0.1"


def server_of(cfg: FleetConfig, plan: Plan) -> ServerSpec | None:
    """The stack's engine as a docker_server truss's server when it is its own OpenAI server (Engine.openai_server:
    its image, its launch from the plan listening on tgi-fleet:gateway.port, probed on its health route), as
    truss-examples' vLLM truss runs vLLM (lora/vllm-lora/config.yaml, commit
    542601251e85a157b362528b3c7c357f38fda80e); None for the engines with a truss of their own (tgi, trt-llm).

    Baseten's Api-Key gates the model, so the engine checks no key of its own (api_key=False: no secret argument);
    the HF token joins as the truss secret (truss.server_config).
    """
    eng = engine(cfg.engine)
    if not eng.openai_server:
        return None
    launch = eng.launch(cfg, plan, host=SERVER_HOST, api_key=False)
    try:
        return engine_server(image=eng.image(cfg), command=(*launch.program, *launch.args), env=launch.env,
                             port=cfg.gateway.port, health_path=eng.health_path,
                             chat_path=f"{eng.openai_base}/chat/completions")
    except ValidationError as exc:
        why = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise TrussError(f"tgi-fleet:gateway.port = {cfg.gateway.port}: the {eng.name} server cannot listen there "
                         f"on Baseten ({why}). Fix: set tgi-fleet:gateway.port to another port, e.g. 8000.") from None


def _trt_llm_predict(ctx: BuildContext[BasetenSettings]) -> dict[str, Any]:
    """Seed 004's predict: messages with the Mixtral truss's knobs, streamed."""
    smoke = ctx.cfg.smoke
    return {"messages": [{"role": "user", "content": smoke.prompts[0]}], "max_tokens": smoke.max_tokens,
            "temperature": smoke.temperature, "top_p": smoke.top_p, "stop_words_list": smoke.stop,
            **SEED_004_KNOBS, "stream": True}


def _tgi_predict(ctx: BuildContext[BasetenSettings]) -> dict[str, Any]:
    """Seed 001's predict: a prompt with the Mistral truss's knobs."""
    smoke = ctx.cfg.smoke
    return {"prompt": smoke.prompts[0], "max_new_tokens": min(smoke.max_tokens, max_new_tokens(ctx.plan)[0]),
            "temperature": smoke.temperature, "top_p": smoke.top_p, "top_k": SEED_001_TOP_K, "stream": False}


# The predict shape of each engine's truss (BasetenProvider.engines lists the same names).
PREDICT_BODIES = {"tgi": _tgi_predict, "trt-llm": _trt_llm_predict}


def predict_body(ctx: BuildContext[BasetenSettings], server: ServerSpec | None = None) -> dict[str, Any]:
    """A predict request in the shape the truss's predict takes: seed 001's or 004's knobs, or, for an engine's
    own server, an OpenAI chat request (its /predict is the chat route)."""
    smoke = ctx.cfg.smoke
    if server is not None:
        return {"model": served_model(server, ctx.cfg), "messages": [{"role": "user", "content": smoke.prompts[0]}],
                "max_tokens": smoke.max_tokens, "temperature": smoke.temperature, "top_p": smoke.top_p,
                "stream": False}
    return PREDICT_BODIES[ctx.cfg.engine](ctx)


class BasetenService(TgiService):
    """The Baseten model (a dynamic resource over the management API) under the policy contract."""

    def __init__(self, name: str, ctx: BuildContext[BasetenSettings],
                 opts: pulumi.ResourceOptions | None = None, *, server: ServerSpec | None = None) -> None:
        cfg, plan, s = ctx.cfg, ctx.plan, ctx.settings
        token = ctx.secrets.hf_token
        # server: an engine's own image as a docker_server truss (engine_server); None: the tgi / trt-llm truss.
        truss = truss_config(cfg, plan, s, with_token=bool(token), server=server)  # TrussError names the key
        # Baseten always checks the Api-Key; the HF token reaches the server as a Baseten secret, never as env.
        secret_env = sorted({*(server.secret_env if server else {}), *([HF_TOKEN_ENV] if token else [])})
        contract = ctx.contract(plain_env=dict(truss.get("environment_variables") or {}),
                               secret_env=secret_env, gateway_auth=True)
        super().__init__(name, contract, opts)

        api = s.api(deploy_timeout_s(plan, s, cfg.engine))
        key = pulumi.Output.secret(ctx.secrets.provider[API_KEY])
        model = BasetenModel(
            name, model_name=cfg.name, api=api, api_key=key, truss=truss,
            autoscaling=s.autoscaling_settings(cfg.replicas),
            hf_token=pulumi.Output.secret(token) if token else None,
            owner=f"{pulumi.get_project()}/{pulumi.get_stack()}", opts=self.child_opts,
        )
        body = predict_body(ctx, server)
        headers: pulumi.Output[dict[str, str]] = key.apply(lambda k: {"Authorization": f"Api-Key {k}"})
        readiness: pulumi.Output[dict[str, Any]] = pulumi.Output.all(key, model.model_id).apply(
            lambda args: {"api": api, "api_key": args[0], "model_id": args[1]})
        if s.inference_address:
            # The emulator's inference server routes by Host: reach it at its address, name the model's host.
            base = f"{s.inference_scheme}://{s.inference_address}"
            endpoint = pulumi.Output.from_input(f"{base}/environments/production/sync")
            predict = pulumi.Output.from_input(f"{base}/production/predict")
            plain_headers: pulumi.Output[dict[str, str]] = model.host.apply(lambda h: {"Host": h or ""})
        else:
            endpoint = model.openai_base_url.apply(lambda url: (url or "").removesuffix(OPENAI_SUFFIX))
            predict = model.predict_url.apply(lambda url: url or "")
            plain_headers = pulumi.Output.from_input({})
        self.finish(ServiceOutputs(
            endpoint=endpoint,
            headers=headers,
            readiness=readiness,
            trigger=model.deployment_id.apply(lambda d: f"{name}-{d}"),
            status=model.status,
            plain_headers=plain_headers,
            auth_hint=AUTH_HINT,
            # The endpoint is Baseten's OpenAI route; the truss's own predict is a probe. A docker_server's nginx
            # forwards every other path under the sync URL to the server as is, so the engine's own route
            # (vLLM's /v1/completions, SGLang's /generate) is reachable there; a model-class truss serves none.
            tgi_routes=server is not None,
            probes=predict.apply(lambda url: [{"name": "predict", "url": url, "body": body}]),
            extras={"model_id": model.model_id, "deployment_id": model.deployment_id,
                    "deployment_status": model.status, "predict_url": model.predict_url,
                    "openai_base_url": model.openai_base_url},
        ))
