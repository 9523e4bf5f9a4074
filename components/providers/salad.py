"""SaladCloud (and the local emulator, which speaks the same API): a container group behind the container gateway."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi

from components.config import FleetConfig
from components.providers import Deployment
from components.salad.body import container_group_spec
from components.salad.resource import ContainerGroup
from components.secrets import hf_token, salad_api_key
from components.service import TgiService
from components.sizing.recommend import Plan
from components.tgi import HF_TOKEN_ENV, launcher_env, service_contract

GATEWAY_AUTH_HEADER = "Salad-Api-Key"


def build(cfg: FleetConfig, plan: Plan) -> Deployment:
    """The container group under a TgiService, with the gateway URL and the instance API as readiness source."""
    env = launcher_env(cfg, plan)
    token = hf_token(cfg)
    key = pulumi.Output.secret(salad_api_key(cfg))  # both read before anything is registered
    secret_env = {HF_TOKEN_ENV: token} if token else {}
    contract = service_contract(cfg, plan, plain_env=env, secret_env=sorted(secret_env))
    service = TgiService(cfg.name, contract)

    s = cfg.salad
    api: dict[str, Any] = {"base_url": s.base_url, "organization": s.organization, "project": s.project,
                           "gateway_scheme": s.gateway_scheme, "timeout_s": s.request_timeout_s}
    spec = container_group_spec(cfg, plan, env)
    group = ContainerGroup(
        cfg.name,
        api=api,
        api_key=key,
        spec=spec,
        gpu_class_names=[o.name for o in plan.gpu_classes],
        secret_env=pulumi.Output.secret(secret_env),
        opts=pulumi.ResourceOptions(parent=service),
    )
    spec_hash = hashlib.sha256(json.dumps([spec, sorted(secret_env)], sort_keys=True).encode()).hexdigest()[:12]
    # Derived from the secret key, so both stay secret.
    headers: pulumi.Output[dict[str, str]] = key.apply(lambda k: {GATEWAY_AUTH_HEADER: k} if cfg.gateway.auth else {})

    def readiness_source(args: list[Any]) -> dict[str, Any]:
        return {"kind": "salad", "api": api, "api_key": args[0], "group": args[1]}

    readiness: pulumi.Output[dict[str, Any]] = pulumi.Output.all(key, group.id).apply(readiness_source)
    outputs = {"container_group_id": group.group_id, "container_group_status": group.status,
               "access_domain": group.dns}
    if s.gateway_address:
        # The emulator's gateway routes by Host: reach it at its address, name the access domain in Host.
        endpoint = pulumi.Output.from_input(f"{s.gateway_scheme}://{s.gateway_address}")
        plain_headers: pulumi.Output[dict[str, str]] = group.dns.apply(lambda d: {"Host": d or ""})
    else:
        endpoint = group.access_url.apply(lambda url: url or "")
        plain_headers = pulumi.Output.from_input({})
    return Deployment(
        service=service,
        endpoint=endpoint if cfg.gateway.enabled else None,
        headers=headers,
        readiness=readiness,
        trigger=group.version.apply(lambda v: f"{cfg.name}-v{v}-{spec_hash}"),
        auth_hint={"header": GATEWAY_AUTH_HEADER, "env": "SALAD_API_KEY", "value_hint": "$SALAD_API_KEY"}
        if cfg.gateway.auth else None,
        outputs=outputs,
        plain_headers=plain_headers,
    )
