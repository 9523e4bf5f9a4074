"""SaladService: the container group behind SaladCloud's container gateway, readiness from its instance API."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi

from components.plan import PlanError
from components.providers.base import BuildContext
from components.providers.salad import API_KEY
from components.providers.salad.log_shipping import SECRET_KEY as LOG_SECRET
from components.providers.salad.settings import SaladSettings
from components.service import ServiceOutputs, TgiService
from components.tgi import HF_TOKEN_ENV

GATEWAY_AUTH_HEADER = "Salad-Api-Key"


class SaladService(TgiService):
    """The container group, with the gateway URL and the instance API as readiness source."""

    def __init__(self, name: str, ctx: BuildContext[SaladSettings], opts: pulumi.ResourceOptions | None = None):
        from components.providers.salad.body import container_group_spec, version_digest
        from components.providers.salad.resource import ContainerGroup

        cfg, plan, s = ctx.cfg, ctx.plan, ctx.settings
        engine = ctx.engine
        # The gateway checks Salad-Api-Key: the engine's own key is not needed behind it.
        launch = engine.launch(cfg, plan, host=engine.salad_host)
        env = launch.env
        token = ctx.secrets.hf_token
        secret_env = {HF_TOKEN_ENV: token} if token else {}
        super().__init__(name, ctx.contract(plain_env=env, secret_env=sorted(secret_env)), opts)

        api = s.api()
        key = pulumi.Output.secret(ctx.secrets.provider[API_KEY])
        owner = f"{pulumi.get_project()}/{pulumi.get_stack()}"
        spec = container_group_spec(cfg, plan, env, priority=s.priority, country_codes=s.country_codes,
                                    owner=owner, logging=s.logging,
                                    image=engine.image(cfg), health_path=engine.health_path,
                                    command=None if launch.image_default else launch.exec_form())
        log_secret = ctx.secrets.provider.get(LOG_SECRET)
        if s.update_strategy == "blue-green":
            if len(name) > 56:
                raise PlanError(f"tgi-fleet:name = {name!r}: the blue-green strategy appends a 7-character version "
                                f"to the group name, and SaladCloud names have at most 63. Fix: at most 56 "
                                f"characters, or tgi-fleet:salad.update_strategy: in-place.")
            # One group per container version: a versioned change is a new group beside the old one.
            spec["name"] = f"{name}-{version_digest(spec, sorted(secret_env))}"
        group = ContainerGroup(
            name,
            api=api,
            api_key=key,
            spec=spec,
            gpu_class_names=[o.name for o in plan.gpu_classes],
            secret_env=pulumi.Output.secret(secret_env),
            log_secret=pulumi.Output.secret(log_secret) if log_secret else None,
            # In place there is one group: nothing to drain to.
            drain_s=s.drain_s if s.update_strategy == "blue-green" else 0.0,
            opts=self.child_opts,
        )
        self._base, self._group = name, group
        self._retire: dict[str, Any] | None = None
        if s.update_strategy == "blue-green":
            per_replica = plan.hourly_cost / cfg.replicas if plan.hourly_cost is not None and cfg.replicas else None
            self._retire = {"api": api, "api_key": key, "owner": owner,
                            "drain_s": s.drain_s, "usd_per_replica_hour": per_replica, "stack": pulumi.get_stack()}
        spec_hash = hashlib.sha256(json.dumps([spec, sorted(secret_env)], sort_keys=True).encode()).hexdigest()[:12]
        # Derived from the secret key, so both stay secret.
        headers: pulumi.Output[dict[str, str]] = key.apply(
            lambda k: {GATEWAY_AUTH_HEADER: k} if cfg.gateway.auth else {})
        readiness: pulumi.Output[dict[str, Any]] = pulumi.Output.all(key, group.id, group.version).apply(
            lambda args: {"api": api, "api_key": args[0], "group": args[1],
                          "version": args[2]})
        if s.gateway_address:
            # The emulator's gateway routes by Host: reach it at its address, name the access domain in Host.
            endpoint = pulumi.Output.from_input(f"{s.gateway_scheme}://{s.gateway_address}")
            plain_headers: pulumi.Output[dict[str, str]] = group.dns.apply(lambda d: {"Host": d or ""})
        else:
            endpoint = group.access_url.apply(lambda url: url or "")
            plain_headers = pulumi.Output.from_input({})
        self.finish(ServiceOutputs(
            endpoint=endpoint if cfg.gateway.enabled else None,
            headers=headers,
            readiness=readiness,
            trigger=group.version.apply(lambda v: f"{name}-v{v}-{spec_hash}"),
            status=group.status,
            plain_headers=plain_headers,
            auth_hint={"header": GATEWAY_AUTH_HEADER, "env": "SALAD_API_KEY", "value_hint": "$SALAD_API_KEY"}
            if cfg.gateway.auth else None,
            # The status the create/update call answered; the stack output `status` is read after the smoke test.
            extras={"container_group_id": group.group_id, "container_group_status_at_deploy": group.status,
                    "access_domain": group.dns},
        ))

    def after_proven(self, proof: pulumi.Resource | None) -> None:
        """Blue-green: the groups this stack replaced drain past the `up` and go in a later one (retire.py)."""
        if self._retire is None:
            return
        from components.providers.salad.retire import RetiredGroups

        # The last step of an update: after the smoke test proved the new group, right before the engine's deletes
        # (the replaced group's retains it) and the stack outputs.
        RetiredGroups(f"{self._base}-retired", current=self._group.id, **self._retire,
                      opts=pulumi.ResourceOptions(parent=self, depends_on=[proof] if proof else None))
