"""The real CLI: preview/up/refresh/destroy with a dynamic resource and a secret."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.harness import Project


def test_version_is_the_pinned_engine_or_newer(dynamic_project: Project) -> None:
    version = dynamic_project.run("version").stdout.strip().lstrip("v")
    major, minor = (int(x) for x in version.split(".")[:2])
    assert (major, minor) >= (3, 220), version


def test_preview_up_refresh_destroy(dynamic_project: Project, tmp_path: Path) -> None:
    target = tmp_path / "probe.txt"
    p = dynamic_project
    p.config("path", str(target))
    p.config("token", "s3cr3t-token-value", secret=True)

    preview = p.run("preview", "--diff")
    assert "+ 2 to create" in preview.stdout and "pulumi-python:dynamic:Resource: (create)" in preview.stdout, (
        preview.stdout
    )
    assert not target.exists(), "preview must not create anything"

    p.run("up", "--yes", "--skip-preview")
    assert target.read_text() == "hello"
    outputs = p.outputs()
    assert outputs["token"] == "s3cr3t-token-value" and outputs["content"] == "hello"

    # The secret lives in state only as ciphertext.
    exported = p.export()
    assert "s3cr3t-token-value" not in exported
    state = json.loads(exported)
    assert '"ciphertext"' in json.dumps(state), "the secret output must be encrypted"

    # Drift: the file changed behind Pulumi's back; refresh records it.
    target.write_text("drifted")
    p.run("refresh", "--yes", "--skip-preview")
    resources = json.loads(p.export())["deployment"]["resources"]
    probe = next(r for r in resources if r["urn"].endswith("::probe"))
    assert probe["outputs"]["content"] == "drifted"

    p.run("destroy", "--yes", "--skip-preview")
    assert not target.exists()
    assert p.outputs() == {}
