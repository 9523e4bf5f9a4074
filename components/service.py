"""TgiService: the component every provider's resources live under, carrying the policy contract."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pulumi

from components.contract import SERVICE_TYPE, ServiceContract


@dataclass(frozen=True)
class ServiceOutputs:
    """What a provider's component gives the smoke stage and the stack outputs."""

    endpoint: pulumi.Output[str] | None  # public base URL, None when not reachable from here
    headers: pulumi.Output[dict[str, str]]  # auth headers for the endpoint (secret)
    # Plain description of a readiness source (secret); finish() adds the provider's name, which the smoke stage's
    # provider process finds the provider's readiness source by.
    readiness: pulumi.Output[dict[str, Any]] | None
    trigger: pulumi.Output[str]  # changes whenever the deployment changes: re-runs the smoke test
    status: pulumi.Input[str]  # the deployment's state as the provider reports it
    plain_headers: pulumi.Output[dict[str, str]] = field(default_factory=lambda: pulumi.Output.from_input({}))
    auth_hint: dict[str, str] | None = None  # header name + env var for copy-paste examples
    tgi_routes: bool = True  # the endpoint serves TGI's own routes too (/generate): the smoke stage checks them
    # Further requests the smoke stage sends after the chat completions: [{"name", "url", "body"}] (a provider's
    # own route, e.g. Baseten's predict), each POSTed with the headers and expected to answer 200 with a body.
    probes: pulumi.Input[list[dict[str, Any]]] | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # provider-specific stack outputs


class TgiService(pulumi.ComponentResource):
    """One TGI deployment; its inputs are the ServiceContract the policy pack checks on every provider.

    A provider subclasses it, creates its resources with `parent=self` and ends its constructor with
    `self.finish(outputs)`, which registers the component's outputs.
    """

    outputs: ServiceOutputs

    def __init__(self, name: str, contract: ServiceContract, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SERVICE_TYPE, name, contract.props(), opts)
        self.contract = contract

    @property
    def child_opts(self) -> pulumi.ResourceOptions:
        """Options that make a resource this component's child."""
        return pulumi.ResourceOptions(parent=self)

    def after_proven(self, proof: pulumi.Resource | None) -> None:
        """Resources that must come after the smoke test (`proof`; None without one) passed: none by default.

        They are children registered after the component's outputs: the smoke test is made from those outputs.
        """

    def finish(self, outputs: ServiceOutputs) -> None:
        """Record and register the component's outputs (last step of a provider's constructor)."""
        if outputs.readiness is not None:
            provider = self.contract.provider
            outputs = replace(outputs, readiness=outputs.readiness.apply(lambda spec: {"provider": provider, **spec}))
        self.outputs = outputs
        self.register_outputs({
            "endpoint": outputs.endpoint,
            "status": outputs.status,
            "auth_header": outputs.auth_hint["header"] if outputs.auth_hint else None,
            "readiness": outputs.readiness,
            **outputs.extras,
        })
