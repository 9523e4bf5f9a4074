"""The `tgi-fleet:salad` config section: SaladCloud's API, where its gateway is, priority, countries, log shipping."""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from components.config import DnsName, Settings
from components.urls import HostPort, HttpUrlText


@cache
def _salad_countries() -> list[str]:
    """The country codes of SaladCloud's API spec (loaded on first use: the generated models are large)."""
    from components.providers.salad.api_models import ContainerGroupPrototype

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
        "blue-green (a new group per container version; the old one keeps serving, and billing, after the `up` "
        "that replaced it, and the first `up` salad.drain_s after that one deletes it; `make drain` deletes it now; "
        "the endpoint moves)")
    drain_s: float = Field(
        60.0, ge=0, le=3600, description="blue-green: seconds the old group keeps serving after the `up` that "
        "published the new endpoint (clients re-read `pulumi stack output access_domain` within it); the first "
        "`up` after that deletes it, 0..3600")
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
        # The codes SaladCloud accepts: the enum of its OpenAPI spec (components/providers/salad/api_models.py).
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
        from components.providers.salad.log_shipping import check

        return check(v) if v is not None else None

    def api(self) -> dict[str, Any]:
        """The plain API description the dynamic resources carry (no secrets)."""
        return {"base_url": self.base_url, "organization": self.organization, "project": self.project,
                "gateway_scheme": self.gateway_scheme, "timeout_s": self.request_timeout_s}
