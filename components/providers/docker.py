"""A single Docker GPU host (local or DOCKER_HOST=ssh://...): a pinned image and one TGI container.

The pulumi-docker provider plugin comes with the official CLI's `pulumi plugin install resource docker`; it
cannot be built from the Go module proxy, so this module is tested with the real SDK under pulumi mocks.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pulumi
from pydantic import Field, model_validator

from components.config import FleetConfig, Settings
from components.image import hub_cache_dir
from components.plan import PlanError
from components.providers.base import BuildContext, Provider
from components.providers.direct import HealthReadiness, bearer_auth, required_api_key
from components.service import ServiceOutputs, TgiService
from components.sizing.recommend import SINGLE_CONNECTION_HUB_MB_S, StartupRule
from components.tgi import HF_TOKEN_ENV, shm_bytes

LOG_SECRET = "docker_log_secret"
# The TGI image has no curl or wget: the health check uses the image's Python (the engine names it).
HEALTHCHECK = ("import sys, urllib.request; sys.exit(0 if urllib.request.urlopen("
               "'http://127.0.0.1:{port}{path}', timeout=5).status == 200 else 1)")


class DockerSettings(Settings):
    """Single Docker GPU host target (`tgi-fleet:docker.*`)."""

    host: str | None = Field(None, description="a DOCKER_HOST value, e.g. ssh://user@gpu-host")
    host_port: int = Field(8080, ge=1, le=65535, description="the host port to publish, 1..65535")
    data_dir: str = Field("/var/lib/tgi-fleet/data", description="host path for the model cache")
    log_driver: str | None = Field(
        None, description="a Docker logging driver that ships the container's logs, e.g. fluentd, gelf, splunk, "
        "awslogs, syslog (default: the daemon's, usually json-file on the host)")
    log_opts: dict[str, str] = Field(default_factory=dict, description="the driver's --log-opt options")
    log_secret_opt: str | None = Field(
        None, description="the log option that carries a credential (e.g. splunk-token); its value is the secret "
        "docker_log_secret")

    @model_validator(mode="after")
    def _secret_opt_not_plain(self) -> DockerSettings:
        if self.log_secret_opt and self.log_secret_opt in self.log_opts:
            raise ValueError(f"log_opts.{self.log_secret_opt} is a credential: remove it and set it with `pulumi "
                             f"config set --secret docker_log_secret <value>`")
        return self


class DockerService(TgiService):
    """RemoteImage + Container with GPU device requests, /dev/shm, a /data volume and a /health check."""

    def __init__(self, name: str, ctx: BuildContext[DockerSettings],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        import pulumi_docker as docker

        cfg, plan, dc = ctx.cfg, ctx.plan, ctx.settings
        if cfg.replicas != 1:
            raise PlanError(f"tgi-fleet:replicas = {cfg.replicas}: a Docker host runs one TGI container (it takes "
                            f"all its GPUs). Fix: set replicas: 1, or use the kubernetes provider for several.")
        port = cfg.gateway.port
        eng = ctx.engine
        # No gateway in front: the engine checks the key itself (its env var holds it).
        launch = eng.launch(cfg, plan, host="0.0.0.0", api_key=cfg.gateway.auth)
        env = launch.env
        secret: dict[str, str] = {}
        if ctx.secrets.hf_token:
            secret[HF_TOKEN_ENV] = ctx.secrets.hf_token
        if cfg.gateway.auth:
            secret[eng.api_key_env] = required_api_key(ctx.secrets)
        contract = ctx.contract(plain_env=env, secret_env=sorted(secret),
                               gateway_auth=cfg.gateway.auth and cfg.gateway.enabled)
        super().__init__(name, contract, opts)
        child = self.child_opts
        if dc.host:
            provider = docker.Provider(f"{name}-docker", host=dc.host, opts=child)
            child = pulumi.ResourceOptions(parent=self, provider=provider)
        image = docker.RemoteImage(f"{name}-image", name=eng.image(cfg), keep_locally=True, opts=child)
        log_secret = ctx.secrets.provider.get(LOG_SECRET)
        log_opts: pulumi.Input[dict[str, str]] | None = dict(dc.log_opts) or None
        if dc.log_secret_opt and log_secret:
            log_opts = pulumi.Output.secret({**dc.log_opts, dc.log_secret_opt: log_secret})
        envs = pulumi.Output.secret(secret).apply(
            lambda s: [f"{k}={v}" for k, v in sorted(env.items())] + [f"{k}={v}" for k, v in sorted(s.items())])
        container = docker.Container(
            name,
            name=name,
            image=image.image_id,
            envs=envs,
            # Docker's entrypoint replaces the image's ENTRYPOINT (and its CMD); none: the image's own (TGI).
            entrypoints=None if launch.image_default else launch.exec_form(),
            device_requests=[docker.ContainerDeviceRequestArgs(driver="nvidia", count=plan.num_shard,
                                                               capabilities=["gpu"])],
            shm_size=shm_bytes(cfg, plan) // 2**20,
            ports=[docker.ContainerPortArgs(internal=port, external=dc.host_port)],
            volumes=[docker.ContainerVolumeArgs(host_path=dc.data_dir, container_path=hub_cache_dir(eng.image(cfg)))],
            healthcheck=docker.ContainerHealthcheckArgs(
                tests=["CMD", eng.python, "-c", HEALTHCHECK.format(port=port, path=eng.health_path)],
                interval="10s", timeout="5s", retries=3, start_period=f"{plan.startup_budget_s}s"),
            restart="unless-stopped",
            memory=cfg.resources.memory_mb,
            log_driver=dc.log_driver,
            log_opts=log_opts,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(
                additional_secret_outputs=["envs", "logOpts"])),
        )
        host = urlparse(dc.host).hostname if dc.host and "://" in dc.host else None
        endpoint = cfg.smoke.endpoint or f"http://{host or '127.0.0.1'}:{dc.host_port}"
        headers, auth_hint = bearer_auth(cfg, ctx.secrets)
        self.finish(ServiceOutputs(
            endpoint=pulumi.Output.from_input(endpoint),
            headers=headers,
            readiness=headers.apply(lambda h: {"url": endpoint, "headers": h}),
            trigger=container.id.apply(lambda cid: f"{name}-{cid}"),
            status=container.id.apply(lambda _: "created"),
            auth_hint=auth_hint,
            extras={"container_name": container.name},
        ))


class DockerProvider(HealthReadiness, Provider[DockerSettings]):
    """One Docker host with NVIDIA GPUs: yours, so unpriced."""

    settings_model = DockerSettings
    secret_keys = (LOG_SECRET,)
    plugins = ("docker",)  # comes with the official CLI (`pulumi plugin install resource docker`)
    # Your host pulls from the Hub at the single-connection rate (recommend.py) unless the stack says otherwise
    # (tgi-fleet:sizing.download_mb_s). Docker's HEALTHCHECK --start-period defaults to 0 s
    # (docs.docker.com/reference/dockerfile/#healthcheck): no platform floor beyond the budget itself.
    startup = StartupRule(download_mb_s=SINGLE_CONNECTION_HUB_MB_S)

    def log_destination(self, settings: DockerSettings) -> str | None:
        # json-file and local keep the logs on the host itself.
        return settings.log_driver if settings.log_driver not in (None, "json-file", "local") else None

    def resolve_secrets(self, cfg: FleetConfig, settings: DockerSettings) -> dict[str, str]:
        from components.secrets import require

        return {LOG_SECRET: require(cfg, LOG_SECRET)} if settings.log_secret_opt else {}

    def catalog(self, settings: DockerSettings) -> str:
        return "docker"

    def build(self, name: str, ctx: BuildContext[DockerSettings]) -> TgiService:
        return DockerService(name, ctx)


PROVIDER = DockerProvider()
