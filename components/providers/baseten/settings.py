"""The `tgi-fleet:baseten` config section: where Baseten's API is, which engine serves, how replicas scale."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from components.config import Settings
from components.errors import UserError
from components.urls import HostPort, HttpUrlText, is_loopback_host

# tgi-fleet:baseten.engine became tgi-fleet:engine (one key for every provider, issue #26 item 1).
MOVED_KEYS = {"engine": "tgi-fleet:engine"}


class Autoscaling(Settings):
    """Baseten's autoscaling settings; the minimum is tgi-fleet:replicas (what the policy pack counts)."""

    max_replica: int | None = Field(
        None, ge=1, description="the most replicas Baseten may scale up to (>= tgi-fleet:replicas; default: replicas)"
    )
    concurrency_target: int = Field(
        32, ge=1, description="requests per replica before Baseten adds one (TGI batches many at once), >= 1"
    )
    autoscaling_window: int = Field(60, ge=10, description="seconds of traffic a scaling decision looks at, >= 10")
    scale_down_delay: int = Field(900, ge=0, description="seconds a replica idles before it is removed, >= 0")
    target_utilization_percentage: int = Field(70, ge=1, le=100, description="1..100")


class BasetenSettings(Settings):
    """Baseten target (`tgi-fleet:baseten.*`): the management API, the inference hosts, the engine, autoscaling."""
    base_url: HttpUrlText = Field("https://api.baseten.co", description="the management API base URL, e.g. "
                                  "https://api.baseten.co")
    inference_domain: str = Field(
        "api.baseten.co", description="the domain of the inference hosts model-<id>.<domain>"
    )
    inference_scheme: Literal["https", "http"] = Field("https", description="https (real) or http (emulator)")
    inference_address: HostPort | None = Field(
        None, description="host:port to reach the inference hosts at, sending Host: model-<id>.<domain> (emulator)"
    )
    s3_endpoint_url: str | None = Field(
        None, description="an S3 endpoint for the truss upload (tests: a local S3); unset: AWS's own"
    )
    request_timeout_s: float = Field(30.0, gt=0, description="management API request timeout in seconds")
    deploy_timeout_s: int | None = Field(
        None, ge=1, description="seconds to wait for a deployment to become ACTIVE (default: the sizing's readiness "
                                "budget plus the build allowance of the engine)"
    )
    poll_s: float = Field(5.0, gt=0, description="seconds between deployment status polls")
    autoscaling: Autoscaling = Autoscaling()

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in MOVED_KEYS.items():
                if old in data:
                    raise ValueError(f"tgi-fleet:baseten.{old} = {data[old]!r} is no longer read: the engine is the "
                                     f"top-level key {new} now, for every provider. Fix: remove baseten.{old} and "
                                     f"set {new}: {data[old]}")
        return data

    @model_validator(mode="after")
    def _address(self) -> BasetenSettings:
        if self.inference_address is not None and ":" not in self.inference_address:
            raise ValueError("inference_address must be host:port, e.g. 127.0.0.1:5811")
        host = urlsplit(self.base_url).hostname or ""
        if self.s3_endpoint_url is None and is_loopback_host(host):
            # A local emulator's uploads must stay local: without an endpoint boto3 would send them to AWS.
            raise ValueError("a local base_url needs s3_endpoint_url (the emulator's S3, e.g. http://127.0.0.1:5812)")
        return self

    def api(self, deploy_timeout_s: int) -> dict[str, Any]:
        """The plain API description the dynamic resources carry (no secrets)."""
        return {"base_url": self.base_url, "timeout_s": self.request_timeout_s, "s3_endpoint_url": self.s3_endpoint_url,
                "poll_s": self.poll_s, "deploy_timeout_s": deploy_timeout_s, "inference_domain": self.inference_domain,
                "inference_scheme": self.inference_scheme}

    def autoscaling_settings(self, replicas: int) -> dict[str, int]:
        """Baseten's autoscaling settings: min_replica is tgi-fleet:replicas, what the policy pack counts."""
        scaling = self.autoscaling.model_dump()
        top = scaling["max_replica"]
        if top is not None and top < replicas:
            # Raising it silently would deploy a bound the stack never asked for.
            raise UserError(f"tgi-fleet:baseten.autoscaling.max_replica ({top}) is below tgi-fleet:replicas "
                            f"({replicas}), Baseten's min_replica. Fix: set baseten.autoscaling.max_replica >= "
                            f"{replicas}, or lower replicas")
        return {**scaling, "min_replica": replicas, "max_replica": top or replicas}
