"""tgi-fleet:dstack.*: which dstack server, project and gateway, and the profile knobs dstack prices offers by."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from components.config import Settings
from components.urls import HttpUrlText

# dstack interpolates ${{ secrets.NAME }} only for names of letters, digits and underscores (its
# utils/interpolator.py); the secrets API would also take dashes, which would then never resolve.
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")
RetryEvent = Literal["no-capacity", "interruption", "error"]


class Retry(Settings):
    """dstack's retry policy: keep the run pending (resubmitting) on these events for this long."""

    on_events: list[RetryEvent] = Field(
        default_factory=lambda: list[RetryEvent](["no-capacity"]), min_length=1,
        description="a non-empty list of no-capacity, interruption, error")
    duration: str = Field("1h", description="how long to keep retrying, e.g. '30m', '2h', '1d'")


class Autoscaling(Settings):
    """Requests-per-second autoscaling between tgi-fleet:replicas and max_replicas (dstack needs a gateway)."""

    max_replicas: int = Field(ge=1, le=500, description="the upper replica bound (>= tgi-fleet:replicas)")
    target_rps: float = Field(gt=0, description="requests per second per replica dstack scales towards")
    scale_up_delay: str | None = Field(None, description="e.g. '5m' (dstack's default)")
    scale_down_delay: str | None = Field(None, description="e.g. '10m' (dstack's default)")


class DstackSettings(Settings):
    """`tgi-fleet:dstack.*`: a dstack server (self-hosted or dstack Sky), a project, optionally a gateway."""

    server_url: HttpUrlText = Field(
        "http://127.0.0.1:3000", description="the dstack server URL, e.g. http://127.0.0.1:3000 or https://sky.dstack.ai")
    project: str = Field("main", min_length=1, description="the dstack project name")
    gateway: bool | str = Field(
        False, description="false (the server proxies the service), true (the project's default gateway) or a "
        "gateway name")
    spot_policy: Literal["spot", "on-demand", "auto"] = Field(
        "on-demand", description="spot, on-demand or auto")
    max_price: float | None = Field(None, gt=0, description="the most dstack may pay per instance-hour, in USD")
    retry: Retry | None = Field(None, description="an object {on_events, duration}, or unset: fail at once")
    autoscaling: Autoscaling | None = Field(
        None, description="an object {max_replicas, target_rps}; needs tgi-fleet:dstack.gateway")
    backends: list[str] | None = Field(None, description="dstack backend names to consider, e.g. ['aws', 'gcp']")
    regions: list[str] | None = Field(None, description="regions to consider, e.g. ['us-east-1']")
    fleets: list[str] | None = Field(None, description="names of the fleets the run may use")
    model_format: Literal["tgi", "openai"] = Field(
        "tgi", description="tgi (dstack's mapping with chat_template and eos_token) or openai (TGI's own /v1 API)")
    chat_template: str | None = Field(
        None, description="the model's chat template (default: the shipped tokenizer config of the model)")
    eos_token: str | None = Field(None, description="the model's end-of-sequence token (default: as chat_template)")
    hf_token_secret: str = Field(
        "hf_token", description="the dstack project secret holding the HF token: letters, digits, underscores")
    request_timeout_s: float = Field(30.0, gt=0, description="dstack API request timeout in seconds")
    stop_timeout_s: float = Field(300.0, gt=0, description="seconds to wait for a stopped run to finish")
    render_dir: str | None = Field(
        None, description="write serve.dstack.yml here instead of applying it (`make render STACK=...`)")

    @field_validator("gateway", mode="before")
    @classmethod
    def _gateway_flag(cls, v: Any) -> Any:
        # `pulumi config set --path tgi-fleet:dstack.gateway true` stores the text "true", not a gateway name.
        return {"true": True, "false": False}.get(v.lower(), v) if isinstance(v, str) else v

    @field_validator("hf_token_secret")
    @classmethod
    def _secret_name(cls, v: str) -> str:
        if not _SECRET_NAME.match(v):
            raise ValueError("must match ^[A-Za-z_][A-Za-z0-9_]{0,199}$ (dstack resolves only such names)")
        return v

    @field_validator("server_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("expected an http(s) URL such as http://127.0.0.1:3000")
        return v.rstrip("/")

    @property
    def has_gateway(self) -> bool:
        return self.gateway is not False

    def api(self) -> dict[str, Any]:
        """The plain API description the dynamic resource carries (no secrets)."""
        return {"server_url": self.server_url, "project": self.project, "timeout_s": self.request_timeout_s,
                "stop_timeout_s": self.stop_timeout_s}
