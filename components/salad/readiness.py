"""SaladCloud readiness: an instance of the group's current version serves when it is running and reports ready."""

from __future__ import annotations

from components.salad.client import SaladClient
from components.smoke.readiness import ReadyCount


class SaladInstances:
    """Counts a container group's ready instances of one version through the instance API.

    After an update, instances of the previous version may still answer for a while; only the version the update
    made proves the update (instances report the container group version they run).
    """

    def __init__(self, client: SaladClient, group: str, version: int) -> None:
        self.client, self.group, self.version = client, group, version

    def count(self) -> ReadyCount:
        instances = self.client.list_instances(self.group)
        current = [i for i in instances if i.version == self.version]
        states: dict[str, int] = {}
        for inst in current:
            states[inst.state] = states.get(inst.state, 0) + 1
        ready = sum(1 for i in current if i.state == "running" and i.ready)
        detail = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no instances yet"
        if len(current) < len(instances):
            detail += f"; {len(instances) - len(current)} of an older version"
        return ReadyCount(ready, len(current), detail)

    def status(self) -> str:
        """The group's status as the API reports it now (running, deploying, stopped, ...)."""
        group = self.client.get_group(self.group)
        return "deleted" if group is None else str(group.current_state.status)
