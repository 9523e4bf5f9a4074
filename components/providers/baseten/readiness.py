"""Baseten readiness: the production deployment's active replicas, once Baseten reports it ACTIVE."""

from __future__ import annotations

from components.providers.baseten.client import ACTIVE, BasetenClient
from components.readiness import DeploymentEnded, ReadyCount


class BasetenReplicas:
    """Counts the active replicas of a model's production deployment through the management API."""

    def __init__(self, client: BasetenClient, model_id: str) -> None:
        self.client, self.model_id = client, model_id

    def count(self) -> ReadyCount:
        deployment = self.client.get_deployment(self.model_id, "production")
        if deployment is None:
            if self.client.get_model(self.model_id) is None:
                raise DeploymentEnded(f"Baseten model {self.model_id} no longer exists (deleted outside Pulumi). Fix: "
                                      f"`pulumi up` makes it again.")
            return ReadyCount(0, 0, f"model {self.model_id} has no production deployment")
        scaling = deployment.autoscaling_settings
        total = max(scaling.min_replica if scaling else 0, deployment.active_replica_count)
        ready = deployment.active_replica_count if deployment.status == ACTIVE else 0
        return ReadyCount(ready, total, f"deployment {deployment.id} {deployment.status}, "
                                        f"{deployment.active_replica_count} active replica(s)")

    def api_contact(self) -> tuple[str, str]:
        """Where the API is, and what to check when it stops answering the readiness queries."""
        return self.client.base_url, ("Fix: check that Baseten's management API answers from here "
                                      "(tgi-fleet:baseten.base_url; each query waits up to "
                                      "tgi-fleet:baseten.request_timeout_s), then run `pulumi up` again: it waits for "
                                      "the deployment again.")

    def status(self) -> str:
        """Baseten's status of the production deployment (the smoke stage's `status` output)."""
        deployment = self.client.get_deployment(self.model_id, "production")
        return deployment.status if deployment is not None else "NO_PRODUCTION_DEPLOYMENT"
