"""DstackService: the TgiService of a dstack stack, one DstackRun child (or, in render mode, serve.dstack.yml)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pulumi

from components.providers.base import BuildContext
from components.providers.dstack import TOKEN_KEY
from components.providers.dstack.service_config import service_config, to_yaml
from components.providers.dstack.settings import DstackSettings
from components.service import ServiceOutputs, TgiService
from components.tgi import HF_TOKEN_ENV, shm_bytes

RENDERED = "serve.dstack.yml"
# The dstack token is the bearer token of the service (dstack's `auth: true`) and of its OpenAI endpoint.
AUTH_HINT = {"header": "Authorization", "env": "DSTACK_TOKEN", "value_hint": "Bearer $DSTACK_TOKEN"}


def readiness_spec(api: dict[str, Any], token: str, run: str) -> dict[str, Any]:
    """The plain description of the run's readiness source (a secret output: it holds the token)."""
    return {"server_url": api["server_url"], "project": api["project"], "token": token,
            "timeout_s": api["timeout_s"], "run": run}


def service_conf(ctx: BuildContext[DstackSettings]) -> tuple[dict[str, Any], bool]:
    """The stack's dstack service configuration, and whether its env refers to the HF token's project secret."""
    # Render mode reads no secret: whether the token is used follows from where it comes from.
    if ctx.settings.render_dir is not None:
        with_token = ctx.cfg.secrets.hf_token_source != "none"
    else:
        with_token = ctx.secrets.hf_token is not None
    return service_config(ctx.cfg, ctx.plan, ctx.settings, hf_token=with_token), with_token


class DstackService(TgiService):
    """A dstack service run applied through the server's API; its endpoint is the service URL dstack proxies."""

    def __init__(self, name: str, ctx: BuildContext[DstackSettings],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        cfg, plan, s = ctx.cfg, ctx.plan, ctx.settings
        conf, with_token = service_conf(ctx)
        env = conf["env"]
        contract = ctx.contract(
            plain_env={k: v for k, v in env.items() if k != HF_TOKEN_ENV},
            secret_env=[HF_TOKEN_ENV] if with_token else [],
            shm=shm_bytes(cfg, plan) if plan.num_shard > 1 else 64 * 2**20, gateway_auth=cfg.gateway.auth)
        super().__init__(name, contract, opts)
        digest = hashlib.sha256(json.dumps(conf, sort_keys=True).encode()).hexdigest()[:12]
        if s.render_dir is not None:
            path = Path(s.render_dir) / RENDERED
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(to_yaml(conf, f"dstack service of {name} (rendered by tgi-fleet: make render)"))
            self.finish(ServiceOutputs(
                endpoint=None, headers=pulumi.Output.secret({}), readiness=None,
                trigger=pulumi.Output.from_input(f"{name}-{digest}"), status="rendered",
                extras={"dstack_config": str(path)}))
            return
        self._deploy(name, ctx, conf, with_token, digest)

    def _deploy(self, name: str, ctx: BuildContext[DstackSettings], conf: dict[str, Any], with_token: bool,
                digest: str) -> None:
        from components.providers.dstack.resource import DstackRun

        cfg, s = ctx.cfg, ctx.settings
        token = pulumi.Output.secret(ctx.secrets.provider[TOKEN_KEY])
        hf = pulumi.Output.secret(ctx.secrets.hf_token) if with_token and ctx.secrets.hf_token else None
        api = s.api()
        run = DstackRun(name, api=api, token=token, conf=conf, secret_name=s.hf_token_secret if hf else None,
                        hf_token=hf, opts=self.child_opts)
        headers: pulumi.Output[dict[str, str]] = token.apply(
            lambda t: {"Authorization": f"Bearer {t}"} if cfg.gateway.auth else {})
        readiness: pulumi.Output[dict[str, Any]] = pulumi.Output.all(token, run.run_name).apply(
            lambda a: readiness_spec(api, a[0], a[1]))
        # TGI's own /v1/chat/completions through dstack's service proxy: the smoke stage appends that path.
        endpoint = run.service_url.apply(lambda url: (url or "").rstrip("/"))
        self.finish(ServiceOutputs(
            endpoint=endpoint if cfg.gateway.enabled else None,
            headers=headers,
            readiness=readiness,
            trigger=pulumi.Output.all(run.run_id, run.deployment_num).apply(
                lambda a: f"{name}-{a[0]}-{a[1]}-{digest}"),
            status=run.status,
            auth_hint=AUTH_HINT if cfg.gateway.auth else None,
            extras={"dstack_run": run.run_name, "dstack_status": run.status, "dstack_service_url": run.service_url,
                    "dstack_model_url": run.model_url, "dstack_offers": run.offers},
        ))
