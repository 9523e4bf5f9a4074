"""What an update sends: the JSON merge patch (RFC 7396) between two request bodies, limited to what the API can
patch. Anything else that changed is a replacement.

An update sends only what changed: on SaladCloud, a patch that names the container (image, env, probes, ...) makes
a new container version and restarts every replica, while a replica-count change restarts nothing.
"""

from __future__ import annotations

from typing import Any

# The fields of ContainerGroupPatch (contracts/salad), nested where the patch model nests. Kept as data so a
# preview's diff needs no generated models; tests/unit/test_salad_resource.py checks it against the models.
PATCHABLE: dict[str, Any] = {
    "display_name": True, "replicas": True, "country_codes": True, "readiness_probe": True, "startup_probe": True,
    "liveness_probe": True, "queue_autoscaler": True, "scaling_actions": True, "scheduled_scaling_enabled": True,
    "networking": {"port": True},
    "container": {
        "command": True, "environment_variables": True, "image": True, "image_caching": True, "logging": True,
        "priority": True, "registry_authentication": True,
        "resources": {"cpu": True, "gpu_classes": True, "memory": True, "shm_size": True, "storage_amount": True},
    },
}


def merge_diff(old: Any, new: Any, removals: bool = True) -> dict[str, Any]:
    """The merge patch that turns `old` into `new` (objects recurse; null removes a key; other values replace).

    removals=False: keys only `old` has are left alone (what a server added to a document we wrote).
    """
    patch: dict[str, Any] = {}
    for key in (old.keys() | new.keys()) if removals else new.keys():
        if key not in new:
            patch[key] = None
        elif key not in old:
            patch[key] = new[key]
        elif isinstance(old[key], dict) and isinstance(new[key], dict):
            inner = merge_diff(old[key], new[key], removals)
            if inner:
                patch[key] = inner
        elif old[key] != new[key]:
            patch[key] = new[key]
    return patch


def split(patch: dict[str, Any], allowed: dict[str, Any] = PATCHABLE,
          at: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """(the part of `patch` the API accepts, the dotted paths of changes it does not)."""
    accepted: dict[str, Any] = {}
    refused: list[str] = []
    for key, value in patch.items():
        rule = allowed.get(key)
        if rule is True:
            accepted[key] = value
        elif isinstance(rule, dict) and isinstance(value, dict):
            inner, more = split(value, rule, (*at, key))
            if inner:
                accepted[key] = inner
            refused += more
        else:
            refused.append(".".join((*at, key)))
    return accepted, sorted(refused)
