"""TgiService: the component every provider's resources live under, carrying the policy contract."""

from __future__ import annotations

import pulumi

from components.contract import SERVICE_TYPE, ServiceContract


class TgiService(pulumi.ComponentResource):
    """One TGI deployment; its inputs are the ServiceContract the policy pack checks on every provider."""

    def __init__(self, name: str, contract: ServiceContract, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SERVICE_TYPE, name, contract.props(), opts)
        self.contract = contract
