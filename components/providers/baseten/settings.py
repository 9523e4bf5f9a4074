"""The `tgi-fleet:baseten` config section: where Baseten's API is, which engine serves, how replicas scale."""

from __future__ import annotations

import difflib
import json
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from components.config import ConfigError

Engine = Literal["tgi", "trt-llm"]


class Autoscaling(BaseModel):
    """Baseten's autoscaling settings; the minimum is tgi-fleet:replicas (what the policy pack counts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_replica: int | None = Field(
        None, ge=1, description="the most replicas Baseten may scale up to (>= tgi-fleet:replicas; default: replicas)"
    )
    concurrency_target: int = Field(
        32, ge=1, description="requests per replica before Baseten adds one (TGI batches many at once), >= 1"
    )
    autoscaling_window: int = Field(60, ge=10, description="seconds of traffic a scaling decision looks at, >= 10")
    scale_down_delay: int = Field(900, ge=0, description="seconds a replica idles before it is removed, >= 0")
    target_utilization_percentage: int = Field(70, ge=1, le=100, description="1..100")


class BasetenSettings(BaseModel):
    """Baseten target: the management API, the inference hosts, the engine and its autoscaling."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base_url: str = Field("https://api.baseten.co", description="the management API base URL")
    inference_domain: str = Field(
        "api.baseten.co", description="the domain of the inference hosts model-<id>.<domain>"
    )
    inference_scheme: Literal["https", "http"] = Field("https", description="https (real) or http (emulator)")
    inference_address: str | None = Field(
        None, description="host:port to reach the inference hosts at, sending Host: model-<id>.<domain> (emulator)"
    )
    s3_endpoint_url: str | None = Field(
        None, description="an S3 endpoint for the truss upload (tests: a local S3); unset: AWS's own"
    )
    engine: Engine = Field("tgi", description="tgi (TGI's image as a docker_server truss) or trt-llm (Baseten's "
                                              "TensorRT-LLM engine builder)")
    request_timeout_s: float = Field(30.0, gt=0, description="management API request timeout in seconds")
    deploy_timeout_s: int | None = Field(
        None, ge=1, description="seconds to wait for a deployment to become ACTIVE (default: the sizing's readiness "
                                "budget plus the build allowance of the engine)"
    )
    poll_s: float = Field(5.0, gt=0, description="seconds between deployment status polls")
    autoscaling: Autoscaling = Autoscaling()

    @model_validator(mode="after")
    def _address(self) -> BasetenSettings:
        if self.inference_address is not None and ":" not in self.inference_address:
            raise ValueError("inference_address must be host:port, e.g. 127.0.0.1:5811")
        host = urlsplit(self.base_url).hostname or ""
        if self.s3_endpoint_url is None and (host == "localhost" or host.startswith("127.")):
            # A local emulator's uploads must stay local: without an endpoint boto3 would send them to AWS.
            raise ValueError("a local base_url needs s3_endpoint_url (the emulator's S3, e.g. http://127.0.0.1:5812)")
        return self


def parse_settings(section: Any) -> BasetenSettings:
    """The tgi-fleet:baseten section, or ConfigError naming each bad key, its value and what is accepted."""
    try:
        return BasetenSettings.model_validate(section or {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            key = "tgi-fleet:baseten" + "".join(f".{p}" for p in loc)
            model: Any = BasetenSettings
            parent: Any = None
            info = None
            for part in loc:
                parent = model
                info = getattr(model, "model_fields", {}).get(part)
                model = info.annotation if info else None
            fix = f" Fix: {info.description}." if info and info.description else ""
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(loc[-1], list(getattr(parent, "model_fields", {})), n=1)
                lines.append(f"{key}: unknown key. Fix: remove it{f' (did you mean {close[0]!r}?)' if close else ''}.")
            else:
                value = json.dumps(err.get("input"), default=str)
                lines.append(f"{key} = {value}: {err['msg'].removeprefix('Value error, ')}.{fix}")
        raise ConfigError("invalid stack config:\n  " + "\n  ".join(lines)) from None
