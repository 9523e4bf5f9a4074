"""The emulators' state files (plain text in the working tree) hold no credential: the HF token sent as a container
group's env, a log destination's token and password, a Baseten workspace secret's value (issue #27 item 2).

The values stay in the emulator's memory: the running group still has them (its API answers them, as SaladCloud's
does: contracts/salad/salad-cloud.yaml, ContainerGroup.container.environment_variables), only the file does not.
"""

from __future__ import annotations

import httpx

from tests.baseten_fixture import BasetenEmulator
from tests.contract.salad_groups import group_body
from tests.emulator_fixture import GRANTED, Emulator

LOG_TOKEN = "axiom-ingest-token-do-not-store"
HEADER_TOKEN = "http-header-token-do-not-store"
PASSWORD = "http-password-do-not-store"


def test_salad_state_file_keeps_no_token(emulator: Emulator) -> None:
    body = group_body("secretive", replicas=1, autostart_policy=False)
    body["container"]["environment_variables"].update(HF_TOKEN=GRANTED, MAX_TOTAL_TOKENS="4096")
    body["container"]["logging"] = {"http": {
        "host": "127.0.0.1", "port": 9, "path": "/ingest", "format": "json", "compression": "none",
        "headers": [{"name": "X-Ingest-Token", "value": HEADER_TOKEN}], "user": "shipper", "password": PASSWORD}}
    api = emulator.api()
    created = api.post("/containers", json=body)
    assert created.status_code == 201, created.text
    # The API still answers the group as it was sent (the values live in memory).
    env = api.get("/containers/secretive").json()["container"]["environment_variables"]
    assert env["HF_TOKEN"] == GRANTED
    state = (emulator.state_dir / "state.json").read_text()
    assert GRANTED not in state and HEADER_TOKEN not in state and PASSWORD not in state
    assert '"MAX_TOTAL_TOKENS": "4096"' in state and '"HF_TOKEN"' in state, "plain settings are kept, by name too"
    # Axiom's token too (the file is rewritten after every change).
    other = group_body("axiom-logged", replicas=1, autostart_policy=False)
    other["container"]["logging"] = {"axiom": {"host": "api.axiom.co", "api_token": LOG_TOKEN, "dataset": "tgi"}}
    assert api.post("/containers", json=other).status_code == 201
    state = (emulator.state_dir / "state.json").read_text()
    assert "axiom-logged" in state and LOG_TOKEN not in state


def test_baseten_state_file_keeps_no_secret_value_and_delete_removes_it(baseten: BasetenEmulator) -> None:
    with httpx.Client(base_url=baseten.base_url, headers=baseten.headers, timeout=10) as api:
        assert api.post("/v1/secrets", json={"name": "hf_access_token", "value": GRANTED}).status_code == 200
        state = baseten.state_dir / "baseten.json"
        assert "hf_access_token" in state.read_text() and GRANTED not in state.read_text()
        # Baseten keeps the value until the secret is deleted (a restarted emulator's deployments read it again):
        # it sits in a file of its own that only its owner can read, never in the state file.
        values = baseten.state_dir / "baseten.secret-values.json"
        assert values.stat().st_mode & 0o777 == 0o600, oct(values.stat().st_mode)
        # The SDK's delete_secrets (baseten 0.13.1, client/managementapi/_client.py): DELETE /v1/secrets/{name},
        # 200 with a SecretTombstone {name}.
        deleted = api.delete("/v1/secrets/hf_access_token")
        assert deleted.status_code == 200 and deleted.json() == {"name": "hf_access_token"}, deleted.text
        assert api.get("/v1/secrets").json()["secrets"] == []
        assert "hf_access_token" not in state.read_text() and GRANTED not in values.read_text()
        assert api.delete("/v1/secrets/hf_access_token").status_code == 404
