"""SaladCloud (and the local emulator, which speaks the same API): a container group behind the container gateway."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, get_args

import pulumi
from pydantic import Field, field_validator, model_validator

from components.config import DnsName
from components.plan import PlanError
from components.providers.base import BuildContext, Provider, Settings
from components.service import ServiceOutputs, TgiService
from components.sizing.recommend import StartupRule
from components.tgi import HF_TOKEN_ENV, launcher_env, service_contract
from components.urls import HostPort, HttpUrlText

if TYPE_CHECKING:
    from components.config import FleetConfig
    from components.smoke.readiness import ReadinessSource

GATEWAY_AUTH_HEADER = "Salad-Api-Key"
API_KEY = "salad_api_key"
LOG_SECRET = "salad_log_secret"


@cache
def _salad_countries() -> list[str]:
    """The country codes of SaladCloud's API spec (loaded on first use: the generated models are large)."""
    from components.salad.api_models import ContainerGroupPrototype

    ann = ContainerGroupPrototype.model_fields["country_codes"].annotation
    item = next(a for a in get_args(ann) if a is not type(None))
    return list(get_args(get_args(item)[0]))


class SaladSettings(Settings):
    """SaladCloud API target (`tgi-fleet:salad.*`)."""

    organization: DnsName = Field("local-org", description="your SaladCloud organization name (lowercase, dashes)")
    project: DnsName = Field("default", description="the SaladCloud project name (lowercase, dashes)")
    base_url: HttpUrlText = Field("https://api.salad.com/api/public", description="the SaladCloud API base URL, "
                                  "e.g. https://api.salad.com/api/public")
    gateway_scheme: Literal["https", "http"] = Field("https", description="https (real) or http (emulator)")
    gateway_address: HostPort | None = Field(
        None, description="host:port to reach the gateway at, sending Host: <access domain> (the local emulator)"
    )
    request_timeout_s: float = Field(30.0, gt=0, description="SaladCloud API request timeout in seconds")
    priority: Literal["high", "medium", "low", "batch"] = Field("high", description="high, medium, low or batch")
    country_codes: list[str] | None = Field(None, description="lowercase ISO-3166 codes, e.g. ['us', 'ca']")
    update_strategy: Literal["in-place", "blue-green"] = Field(
        "in-place", description="in-place (SaladCloud restarts every replica on a new container version) or "
        "blue-green (a new group per container version; the old one is deleted salad.drain_s after the new one "
        "passed the smoke test; the endpoint moves)")
    drain_s: float = Field(
        60.0, ge=0, le=3600, description="blue-green: seconds the old group keeps serving after the new one passed "
        "the smoke test, before it is deleted (clients re-read the proven endpoint from the stack's state within "
        "it; the stack outputs move when the update ends), 0..3600")
    logging: dict[str, Any] | None = Field(
        None, description="one log destination in the API's shape, e.g. {axiom: {host: api.axiom.co, dataset: tgi}} "
        "(axiom, datadog, http, new_relic, splunk or tcp); its credential is the secret salad_log_secret")
    log_secret_aws_secret_id: str | None = Field(
        None, description="a Secrets Manager secret ARN or name holding the log destination's credential")
    api_key_aws_secret_id: str | None = Field(
        None, description="a Secrets Manager secret ARN or name holding the SaladCloud API key (else salad_api_key)"
    )

    @field_validator("country_codes")
    @classmethod
    def _known_countries(cls, v: list[str] | None) -> list[str] | None:
        # The codes SaladCloud accepts: the enum of its OpenAPI spec (components/salad/api_models.py).
        known = _salad_countries()
        for code in v or ():
            if code not in known:
                close = difflib.get_close_matches(code.lower(), known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"{code!r} is not a SaladCloud country code ({hint}see ContainerGroupPrototype."
                                 f"country_codes in SaladCloud's API spec)")
        return v

    @model_validator(mode="after")
    def _drain_is_blue_green(self) -> SaladSettings:
        if "drain_s" in self.model_fields_set and self.update_strategy != "blue-green":
            raise ValueError("drain_s applies to the blue-green strategy only (an in-place update keeps one group). "
                             "Fix: remove salad.drain_s, or set salad.update_strategy: blue-green")
        return self

    @field_validator("logging")
    @classmethod
    def _one_destination(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        from components.salad.log_shipping import check

        return check(v) if v is not None else None

    def api(self) -> dict[str, Any]:
        """The plain API description the dynamic resources carry (no secrets)."""
        return {"base_url": self.base_url, "organization": self.organization, "project": self.project,
                "gateway_scheme": self.gateway_scheme, "timeout_s": self.request_timeout_s}


class SaladService(TgiService):
    """The container group, with the gateway URL and the instance API as readiness source."""

    def __init__(self, name: str, ctx: BuildContext[SaladSettings], opts: pulumi.ResourceOptions | None = None):
        from components.salad.body import container_group_spec, version_digest
        from components.salad.resource import ContainerGroup

        cfg, plan, s = ctx.cfg, ctx.plan, ctx.settings
        env = launcher_env(cfg, plan)
        token = ctx.secrets.hf_token
        secret_env = {HF_TOKEN_ENV: token} if token else {}
        super().__init__(name, service_contract(cfg, plan, plain_env=env, secret_env=sorted(secret_env)), opts)

        api = s.api()
        key = pulumi.Output.secret(ctx.secrets.provider[API_KEY])
        spec = container_group_spec(cfg, plan, env, priority=s.priority, country_codes=s.country_codes,
                                    owner=f"{pulumi.get_project()}/{pulumi.get_stack()}", logging=s.logging)
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
        spec_hash = hashlib.sha256(json.dumps([spec, sorted(secret_env)], sort_keys=True).encode()).hexdigest()[:12]
        # Derived from the secret key, so both stay secret.
        headers: pulumi.Output[dict[str, str]] = key.apply(
            lambda k: {GATEWAY_AUTH_HEADER: k} if cfg.gateway.auth else {})
        readiness: pulumi.Output[dict[str, Any]] = pulumi.Output.all(key, group.id, group.version).apply(
            lambda args: {"provider": cfg.provider, "api": api, "api_key": args[0], "group": args[1],
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


class SaladProvider(Provider[SaladSettings]):
    """SaladCloud's public API: interruptible consumer GPUs priced per class."""

    settings_model = SaladSettings
    secret_keys = (API_KEY, LOG_SECRET)
    # SaladCloud's nodes are home PCs. SaladCloud's own figure: of 100 instances pulling a 5.5 GB image, half
    # were online after 10 minutes, 90% after 40 (as gathered in shared/notes/real-artifacts.md): the
    # median node's rate, 5,500 MB / 600 s ~ 9 MB/s, is the budget's. The startup probe can express at most
    # initial_delay 1200 s + failure_threshold 20 x period 120 s (the API's limits, components/salad/body.py).
    startup = StartupRule(download_mb_s=9.0, ceiling_s=1200 + 20 * 120)

    def catalog(self, settings: SaladSettings) -> str:
        return "salad"

    def interruptible(self, settings: SaladSettings) -> bool:
        return True  # consumer GPUs: a node's owner can take it back at any time

    def log_destination(self, settings: SaladSettings) -> str | None:
        # SaladCloud's portal keeps a short window of logs only: production wants a destination of its own.
        from components.salad.log_shipping import destination

        return destination(settings.logging) if settings.logging else None

    def resolve_secrets(self, cfg: FleetConfig, settings: SaladSettings) -> dict[str, str]:
        from components.salad.log_shipping import needs_secret
        from components.secrets import aws_secret, require

        def one(key: str, aws_id: str | None, required: bool) -> dict[str, str]:
            if aws_id:
                return {key: aws_secret(cfg, aws_id, key)}
            if required or cfg.provider_secrets.get(key):
                return {key: require(cfg, key)}
            return {}

        return {**one(API_KEY, settings.api_key_aws_secret_id, True),
                **one(LOG_SECRET, settings.log_secret_aws_secret_id, needs_secret(settings.logging))}

    def build(self, name: str, ctx: BuildContext[SaladSettings]) -> TgiService:
        return SaladService(name, ctx)

    def readiness(self, spec: Mapping[str, Any]) -> ReadinessSource:
        from components.salad.client import client_from
        from components.salad.readiness import SaladInstances

        # One query per poll: the readiness wait paces and backs off itself (the API's rate limit is per key).
        return SaladInstances(client_from(spec["api"], spec["api_key"], max_attempts=1), spec["group"],
                              int(spec["version"]))

    def stop(self, spec: Mapping[str, Any]) -> str | None:
        """Stop the container group (a stopped group keeps no instance); `pulumi up` starts it again."""
        from components.salad.client import client_from

        # contracts/salad/salad-cloud.yaml: POST .../containers/{container_group_name}/stop (202).
        client_from(spec["api"], spec["api_key"]).stop_group(spec["group"])
        return (f"SaladCloud container group {spec['group']!r} stopped (its instances are released); the next "
                f"`pulumi up` starts it again")


PROVIDER = SaladProvider()
