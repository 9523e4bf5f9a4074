"""Which changes to a service dstack applies to the running run, and which need it stopped and applied again.

The lists are dstack 0.22's own (dstack/_internal/server/services/runs/spec.py, _TYPE_SPECIFIC_CONF_UPDATABLE_FIELDS
for services); tests/unit/test_dstack_service_config.py compares them with the installed dstack server's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# Applied to the running service without new replicas.
IN_PLACE = ("replicas", "groups", "scaling", "gateway", "priority")
# Applied by a rolling deployment: new replicas of the same run replace the old ones.
ROLLING = ("port", "probes", "resources", "volumes", "docker", "files", "image", "user", "privileged", "entrypoint",
           "working_dir", "python", "nvcc", "single_branch", "env", "shell", "commands")
# dstack lets `https` go between unset and its default without a change.
HTTPS_DEFAULT = True

Kind = Literal["none", "in-place", "rolling", "restart"]


@dataclass(frozen=True)
class Change:
    """How dstack would take a new configuration of the same run, and the top-level keys that differ."""

    kind: Kind
    fields: tuple[str, ...]


def _same(key: str, old: Any, new: Any) -> bool:
    if key == "https":
        return old in (None, HTTPS_DEFAULT) and new in (None, HTTPS_DEFAULT)
    return bool(old == new)


def classify(old: dict[str, Any], new: dict[str, Any]) -> Change:
    """The change from one service configuration to another, by dstack's rules."""
    fields = tuple(sorted(k for k in old.keys() | new.keys() if not _same(k, old.get(k), new.get(k))))
    if not fields:
        return Change("none", ())
    if any(f not in IN_PLACE and f not in ROLLING for f in fields):
        return Change("restart", fields)
    return Change("rolling" if any(f in ROLLING for f in fields) else "in-place", fields)
