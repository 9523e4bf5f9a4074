"""SmokeArgs: the smoke stage's one typed input, built from what the provider's component gave (ServiceOutputs)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import pulumi

from components.service import ServiceOutputs


@dataclass(frozen=True)
class SmokeArgs:
    """Everything the SmokeTest resource takes; a change of any of them re-runs the test."""

    endpoint: pulumi.Input[str]
    headers: pulumi.Input[dict[str, str]]  # secret
    readiness: pulumi.Input[dict[str, Any]]  # the readiness source's plain description (secret)
    trigger: pulumi.Input[str]
    min_ready: int
    timeout_s: int
    knobs: dict[str, Any]  # prompts, sampling and SLOs (tgi-fleet:smoke.*)
    model: str
    auth_hint: dict[str, str] | None = None
    plain_headers: pulumi.Input[dict[str, str]] | None = None
    tgi_routes: bool = True  # the endpoint serves the engine's own routes too (not only a provider's OpenAI route)
    probes: pulumi.Input[list[dict[str, Any]]] | None = None
    seed_requests: list[dict[str, Any]] | None = None
    # What a failed test leaves billing and how to stop it (smoke.billing): it words the failure, it re-runs nothing.
    billing: dict[str, Any] | None = field(default=None, metadata={"reruns": False})
    engine: str = "tgi"  # tgi-fleet:engine: the chat answers' shape, the request's model, the engine's own route

    @classmethod
    def of(cls, outputs: ServiceOutputs, endpoint: pulumi.Input[str], *, min_ready: int, timeout_s: int,
           knobs: dict[str, Any], model: str, seed_requests: list[dict[str, Any]],
           billing: dict[str, Any] | None = None, engine: str = "tgi") -> SmokeArgs:
        """The component's outputs, with the endpoint to call (the component's or an override) and the stack's
        smoke settings."""
        assert outputs.readiness is not None, "a deployment without a readiness source has no smoke stage"
        return cls(endpoint=endpoint, headers=outputs.headers, readiness=outputs.readiness, trigger=outputs.trigger,
                   min_ready=min_ready, timeout_s=timeout_s, knobs=knobs, model=model, auth_hint=outputs.auth_hint,
                   plain_headers=outputs.plain_headers, tgi_routes=outputs.tgi_routes, probes=outputs.probes,
                   seed_requests=seed_requests, billing=billing, engine=engine)

    def props(self) -> dict[str, Any]:
        """The resource's inputs (absent optional ones as empty values)."""
        props = {f.name: getattr(self, f.name) for f in fields(self)}
        props["plain_headers"] = self.plain_headers or {}
        props["probes"] = self.probes or []
        props["seed_requests"] = self.seed_requests or []
        return props


INPUT_KEYS = tuple(f.name for f in fields(SmokeArgs) if f.metadata.get("reruns", True))  # what the diff compares
# An input a stack deployed before it existed had this value: its absence in the old state is no change.
INPUT_DEFAULTS: dict[str, Any] = {"engine": "tgi"}
