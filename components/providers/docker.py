"""A single Docker GPU host (local or DOCKER_HOST=ssh://...): a pinned image and one TGI container.

The pulumi-docker provider plugin comes with the official CLI's `pulumi plugin install resource docker`; it
cannot be built from the Go module proxy, so this module is tested with the real SDK under pulumi mocks.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pulumi
import pulumi_docker as docker

from components.config import FleetConfig
from components.plan import PlanError
from components.providers import Deployment, bearer_auth, required_api_key
from components.secrets import hf_token
from components.service import TgiService
from components.sizing.recommend import Plan
from components.tgi import API_KEY_ENV, HF_TOKEN_ENV, launcher_env, service_contract, shm_bytes

# The TGI image has no curl or wget: the health check uses its Python.
HEALTHCHECK = ("import sys, urllib.request; sys.exit(0 if urllib.request.urlopen("
               "'http://127.0.0.1:{port}/health', timeout=5).status == 200 else 1)")


def build(cfg: FleetConfig, plan: Plan) -> Deployment:
    """RemoteImage + Container with GPU device requests, /dev/shm, a /data volume and a /health check."""
    dc = cfg.docker
    if cfg.replicas != 1:
        raise PlanError(f"tgi-fleet:replicas = {cfg.replicas}: a Docker host runs one TGI container (it takes all "
                        f"its GPUs). Fix: set replicas: 1, or use the kubernetes provider for several.")
    port = cfg.gateway.port
    env = launcher_env(cfg, plan, hostname="0.0.0.0")
    secret: dict[str, str] = {}
    token = hf_token(cfg)
    if token:
        secret[HF_TOKEN_ENV] = token
    if cfg.gateway.auth:
        secret[API_KEY_ENV] = required_api_key(cfg)
    contract = service_contract(cfg, plan, plain_env=env, secret_env=sorted(secret),
                                gateway_auth=cfg.gateway.auth and cfg.gateway.enabled)
    service = TgiService(cfg.name, contract)
    opts = pulumi.ResourceOptions(parent=service)
    if dc.host:
        provider = docker.Provider(f"{cfg.name}-docker", host=dc.host, opts=opts)
        opts = pulumi.ResourceOptions(parent=service, provider=provider)
    image = docker.RemoteImage(f"{cfg.name}-image", name=cfg.image, keep_locally=True, opts=opts)
    envs = pulumi.Output.secret(secret).apply(
        lambda s: [f"{k}={v}" for k, v in sorted(env.items())] + [f"{k}={v}" for k, v in sorted(s.items())])
    container = docker.Container(
        cfg.name,
        name=cfg.name,
        image=image.image_id,
        envs=envs,
        device_requests=[docker.ContainerDeviceRequestArgs(driver="nvidia", count=plan.num_shard,
                                                           capabilities=["gpu"])],
        shm_size=shm_bytes(cfg, plan) // 2**20,
        ports=[docker.ContainerPortArgs(internal=port, external=dc.host_port)],
        volumes=[docker.ContainerVolumeArgs(host_path=dc.data_dir, container_path="/data")],
        healthcheck=docker.ContainerHealthcheckArgs(
            tests=["CMD", "python", "-c", HEALTHCHECK.format(port=port)],
            interval="10s", timeout="5s", retries=3, start_period=f"{plan.startup_budget_s}s"),
        restart="unless-stopped",
        memory=cfg.resources.memory_mb,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["envs"])),
    )
    host = urlparse(dc.host).hostname if dc.host and "://" in dc.host else None
    endpoint = cfg.smoke.endpoint or f"http://{host or '127.0.0.1'}:{dc.host_port}"
    headers, auth_hint = bearer_auth(cfg)
    return Deployment(
        service=service,
        endpoint=pulumi.Output.from_input(endpoint),
        headers=headers,
        readiness=headers.apply(lambda h: {"kind": "http", "url": endpoint, "headers": h}),
        trigger=container.id.apply(lambda cid: f"{cfg.name}-{cid}"),
        auth_hint=auth_hint,
        outputs={"container_name": container.name},
    )
