"""The emulated Baseten workspace's documents: models, their deployments, secrets and issued uploads.

Every document is the JSON the management API answers (validated against the `baseten` SDK's models when it is
served). What `pulumi refresh` needs survives a restart: the state is saved as JSON after every change; replica
processes are not: a restarted emulator loads every live deployment's replicas again (LOADING_MODEL).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emulator.statefile import save_json
from emulator.supervisor import ReplicaProcess

# The deployment statuses that have running (or starting) replicas.
LIVE = frozenset({"DEPLOYING", "LOADING_MODEL", "ACTIVE", "UNHEALTHY", "UPDATING", "WAKING_UP", "SCALED_TO_ZERO"})
DEFAULT_AUTOSCALING = {"min_replica": 0, "max_replica": 1, "autoscaling_window": 60, "scale_down_delay": 900,
                       "concurrency_target": 1, "target_utilization_percentage": 70}


def now_iso() -> str:
    """An ISO 8601 timestamp with its zone, as the API returns them."""
    return datetime.now(timezone.utc).isoformat()


def new_id() -> str:
    """Baseten's short lowercase ids (e.g. 'abcd123' for a model, 'qwerty7' for a deployment)."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(7))


class ApiError(Exception):
    """An error answer: HTTP status, Baseten's code and message, extra headers (Retry-After)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@dataclass
class Replica:
    """One replica of a deployment: its process and whether it passed /health."""

    id: str
    process: ReplicaProcess | None = None
    ready: bool = False
    restarts: int = 0
    restart_at: float = 0.0
    last_error: str | None = None  # the last line it printed on stderr (CUDA OOM, a crash)


@dataclass
class Deployment:
    """A deployment: its API document, the truss it runs, and its live replicas."""

    doc: dict[str, Any]
    config: dict[str, Any]
    s3_key: str | None = None
    phase_until: float = 0.0
    replicas: list[Replica] = field(default_factory=list)
    in_flight: int = 0
    wanted_more_at: float = 0.0  # when traffic last asked for more replicas than now (scale-down delay)
    failure: str | None = None  # why it ended BUILD_FAILED / DEPLOY_FAILED (the emulator's log says it too)
    rr: int = 0
    logs: list[dict[str, Any]] = field(default_factory=list)  # Log documents, newest last (not persisted)

    def log(self, message: str, level: str | None, replica: str | None = None) -> None:
        """Keep a log line as GET .../logs returns it (the last 1000)."""
        self.logs.append({"timestamp": str(time.time_ns()), "message": message, "replica": replica, "level": level})
        del self.logs[:-1000]

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def status(self) -> str:
        return str(self.doc["status"])

    def autoscaling(self) -> dict[str, Any]:
        return dict(self.doc.get("autoscaling_settings") or DEFAULT_AUTOSCALING)


@dataclass
class Model:
    """A model: its API document and its deployments."""

    doc: dict[str, Any]
    deployments: dict[str, Deployment] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    def api(self) -> dict[str, Any]:
        """The Model JSON with a live deployment count."""
        return {**self.doc, "deployments_count": len(self.deployments)}


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """JSON that only the owner can read (mode 0600 from the start), by atomic rename."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        json.dump(data, f)
    tmp.replace(path)


class Workspace:
    """Every model, secret and upload of the emulated workspace, persisted to a JSON file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.models: dict[str, Model] = {}
        # name -> {id, created_at, value}. Baseten keeps a secret's value until it is deleted, and so does the
        # emulator, across restarts, but not in the state file (plain text in the working tree): in a file of its
        # own beside it that only its owner can read.
        self.secrets: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # s3_key -> what prepare_model_upload validated
        self._load()

    def _load(self) -> None:
        if not self.path or not self.path.exists():
            return
        data = json.loads(self.path.read_text())
        values = json.loads(self._values_path.read_text()) if self._values_path.exists() else {}
        self.secrets = {name: {**s, "value": values.get(name, "")} for name, s in data.get("secrets", {}).items()}
        self.uploads = data.get("uploads", {})
        for m in data.get("models", []):
            model = Model(m["doc"])
            for d in m["deployments"]:
                dep = Deployment(d["doc"], d["config"], d.get("s3_key"), failure=d.get("failure"))
                if dep.status in LIVE:  # the replicas did not survive the restart: they load again
                    dep.doc["status"], dep.doc["active_replica_count"] = "LOADING_MODEL", 0
                model.deployments[dep.id] = dep
            self.models[model.id] = model

    def save(self) -> None:
        """Write the workspace to its file (atomic rename)."""
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        secrets = {name: {k: v for k, v in s.items() if k != "value"} for name, s in self.secrets.items()}
        _write_private(self._values_path, {name: s.get("value", "") for name, s in self.secrets.items()})
        data = {"secrets": secrets, "uploads": self.uploads, "models": [
            {"doc": m.doc, "deployments": [{"doc": d.doc, "config": d.config, "s3_key": d.s3_key,
                                            "failure": d.failure} for d in m.deployments.values()]}
            for m in self.models.values()]}
        save_json(self.path, data)

    @property
    def _values_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(f"{self.path.stem}.secret-values.json")

    def model(self, model_id: str) -> Model:
        """A model, or 404."""
        model = self.models.get(model_id)
        if model is None:
            raise ApiError(404, "NOT_FOUND", f"Model {model_id} not found")
        return model

    def by_name(self, name: str) -> Model | None:
        return next((m for m in self.models.values() if m.doc["name"] == name), None)

    def deployment(self, model: Model, ref: str) -> Deployment:
        """A deployment by id, or by 'production' / 'development'; 404 otherwise."""
        if ref in ("production", "development"):
            wanted = model.doc.get(f"{ref}_deployment_id")
            if not wanted:
                raise ApiError(404, "NOT_FOUND", f"Model {model.id} has no {ref} deployment")
            ref = wanted
        dep = model.deployments.get(ref)
        if dep is None:
            raise ApiError(404, "NOT_FOUND", f"Deployment {ref} of model {model.id} not found")
        return dep
