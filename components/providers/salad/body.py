"""The container-group request a plan becomes, following SaladCloud's own TGI recipe (contracts/salad)."""

from __future__ import annotations

import hashlib
import json
import math
from typing import TYPE_CHECKING, Any

from components.config import FleetConfig
from components.engines.registry import engine
from components.sizing.recommend import Plan
from components.tgi import shm_bytes

if TYPE_CHECKING:
    from components.providers.salad.api_models import ContainerGroupPrototype

OWNER_ENV = "TGI_FLEET_OWNER"
GIB = 1024**3
MIB = 1024**2
HEALTH_PATH = "/health"
# SaladCloud caps: period_seconds <= 120, failure_threshold <= 20, initial_delay_seconds <= 1200.
MAX_PERIOD, MAX_FAILURES, MAX_INITIAL_DELAY = 120, 20, 1200


# The spec (0.9.0-alpha.17) gives probe headers minItems 1, while SaladCloud's own TGI recipe sends [];
# one harmless header satisfies both.
PROBE_HEADERS = [{"name": "Accept", "value": "*/*"}]


def _http_probe(port: int, path: str = HEALTH_PATH, **timing: int) -> dict[str, Any]:
    return {"http": {"path": path, "port": port, "scheme": "http", "headers": PROBE_HEADERS}, **timing}


def startup_probe(port: int, budget_s: int, path: str = HEALTH_PATH) -> dict[str, Any]:
    """A startup probe whose failure_threshold x period covers the download + load + warm-up budget."""
    period = min(MAX_PERIOD, max(3, math.ceil(budget_s / MAX_FAILURES)))
    initial = min(MAX_INITIAL_DELAY, max(0, budget_s - period * MAX_FAILURES))
    return _http_probe(port, path, initial_delay_seconds=initial, period_seconds=period, timeout_seconds=10,
                       success_threshold=1, failure_threshold=MAX_FAILURES)


def version_digest(spec: dict[str, Any], secret_env_names: list[str]) -> str:
    """6 hex digits that change exactly when SaladCloud would make a new container version.

    Image, command, env (secret values by name only), probes and the gateway make a version; replicas, the
    display name and resources do not (SaladCloud's deployment-strategies guide).
    """
    c = spec["container"]
    versioned = [c.get("image"), c.get("command"), c.get("environment_variables"), sorted(secret_env_names),
                 *(spec.get(k) for k in ("readiness_probe", "startup_probe", "liveness_probe", "networking"))]
    return hashlib.sha256(json.dumps(versioned, sort_keys=True).encode()).hexdigest()[:6]


def container_group_spec(cfg: FleetConfig, plan: Plan, env: dict[str, str], *, priority: str = "high",
                         country_codes: list[str] | None = None, owner: str | None = None,
                         logging: dict[str, Any] | None = None, image: str | None = None,
                         command: list[str] | None = None, health_path: str = HEALTH_PATH) -> dict[str, Any]:
    """The ContainerGroupPrototype as JSON, less the GPU class ids (resolved by name at create) and secrets.

    image, command, health_path: what the stack's engine runs (components/engines/): its image (default: the
    stack's engine's), the command that replaces the image's ENTRYPOINT and CMD (SaladCloud's `command`,
    contracts/salad/salad-cloud.yaml CreateContainer; None: the image's own, as TGI's env-driven launcher), and
    the route its probes ask.

    owner: the stack that makes the group ("project/stack"), carried as TGI_FLEET_OWNER so that a create whose
    answer was lost (a crash mid-update) can recognise the group as its own and adopt it.
    """
    if owner:
        env = {**env, OWNER_ENV: owner}
    port = cfg.gateway.port
    spec: dict[str, Any] = {
        "name": cfg.name,
        "display_name": cfg.name,
        "autostart_policy": True,
        "restart_policy": "always",
        "replicas": cfg.replicas,
        "container": {
            "image": image or engine(cfg.engine).image(cfg),
            "image_caching": True,
            "priority": priority,
            "environment_variables": env,
            "resources": {
                "cpu": cfg.resources.cpu,
                "memory": cfg.resources.memory_mb,
                "gpu_classes": [],
                "storage_amount": cfg.resources.storage_gb * GIB,
                "shm_size": shm_bytes(cfg, plan) // MIB,
            },
        },
        # The recipe's readiness probe: TGI's /health answers 200 only once the model is loaded.
        "readiness_probe": _http_probe(port, health_path, initial_delay_seconds=0, period_seconds=3,
                                       timeout_seconds=10, success_threshold=1, failure_threshold=1),
        "startup_probe": startup_probe(port, plan.startup_budget_s, health_path),
        "liveness_probe": _http_probe(port, health_path, initial_delay_seconds=0, period_seconds=10,
                                      timeout_seconds=30, success_threshold=1, failure_threshold=3),
    }
    if command:
        spec["container"]["command"] = command
    if country_codes:
        spec["country_codes"] = country_codes
    if logging:  # the destination without its credential (the resource adds that as a secret input)
        spec["container"]["logging"] = logging
    if cfg.gateway.enabled:
        spec["networking"] = {
            "protocol": "http",
            "port": port,
            "auth": cfg.gateway.auth,
            "load_balancer": "least_number_of_connections",
            "client_request_timeout": 100000,
            "server_response_timeout": 100000,
            "single_connection_limit": False,
        }
    return spec


def to_prototype(spec: dict[str, Any], gpu_class_ids: list[str], secret_env: dict[str, str],
                 log_secret: str | None = None) -> ContainerGroupPrototype:
    """Validate the final request body (ids, secret env and the log destination's credential filled in) against
    the API's own model."""
    # The generated models take ~0.1 s to build; only create/update need them, never a preview.
    from components.providers.salad.api_models import ContainerGroupPrototype

    body = {**spec, "container": {**spec["container"]}}
    body["container"]["environment_variables"] = {**spec["container"]["environment_variables"], **secret_env}
    body["container"]["resources"] = {**spec["container"]["resources"], "gpu_classes": gpu_class_ids}
    if spec["container"].get("logging"):
        from components.providers.salad.log_shipping import with_secret

        body["container"]["logging"] = with_secret(spec["container"]["logging"], log_secret)
    return ContainerGroupPrototype.model_validate(body)
