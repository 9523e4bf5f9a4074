"""Kubernetes through the real engine and the real pulumi-resource-kubernetes: preview with no cluster, the
policy pack on the same contract, and render mode (manifests checked, schema-validated, kept as snapshots)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.engine.harness import ROOT, Project, copy_program, make_project, pulumi_home

SNAPSHOTS = Path(__file__).parent / "snapshots"
STACKS = ("k8s-prod", "gke-prod")
HF = "hf_kubernetes_test_token_value_123456"
API_KEY = "k8s-test-api-key-value-abcdef"
K8S_VERSION = "1.30.0"
DLC = ("us-docker.pkg.dev/deeplearning-platform-release/gcr.io/"
       "huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311")
DLC_PINNED = DLC + "@sha256:" + "0" * 64  # a stand-in digest: the tests never pull it


@pytest.fixture(params=STACKS)
def k8s_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    p = make_project(tmp_path, copy_program(tmp_path), stack=request.param,
                     extra_env={"KUBECONFIG": str(tmp_path / "no-such-kubeconfig")})
    p.configure({}, {"tgi-fleet:hf_token": HF, "tgi-fleet:api_key": API_KEY})
    yield p
    p.run("stack", "rm", "--yes", "--force", p.stack, check=False)


def pin_dlc(p: Project) -> None:
    """gke-prod ships Google's DLC URI, which has no tag: the program stops it until its digest is pinned."""
    if p.stack == "gke-prod":
        blocked = p.run("preview", check=False)
        text = blocked.stdout + blocked.stderr
        assert blocked.returncode != 0 and f'tgi-fleet:image = "{DLC}": the image is not pinned' in text, text
        assert "Traceback" not in text
        p.config("tgi-fleet:image", DLC_PINNED)


def test_preview_without_a_cluster(k8s_stack: Project) -> None:
    pin_dlc(k8s_stack)
    out = k8s_stack.run("preview", "--policy-pack", str(ROOT / "policies"))
    for kind in ("kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "kubernetes:core/v1:Secret",
                 "kubernetes:networking.k8s.io/v1:Ingress", "kubernetes:policy/v1:PodDisruptionBudget",
                 "tgi-fleet:index:TgiService"):
        assert kind in out.stdout, (kind, out.stdout)
    assert HF not in out.stdout and API_KEY not in out.stdout
    if shutil.which("pulumi-resource-kubernetes") is None:
        # Setup put the provider in the plugin cache, where the engine uses it without a warning on every command.
        assert "from $PATH" not in out.stdout + out.stderr, out.stdout


def test_policy_pack_stops_a_gpu_too_small(k8s_stack: Project) -> None:
    pin_dlc(k8s_stack)
    k8s_stack.config("tgi-fleet:gpu", json.dumps({"name": "T4", "count": 1}))
    refused = k8s_stack.run("preview", check=False)
    assert refused.returncode != 0 and "sizing verdict DOES NOT FIT" in refused.stdout + refused.stderr
    # The stack overrides the program's fit check: the pack still stops the plan.
    k8s_stack.config("tgi-fleet:sizing.allow_unfit", "true", path=True)
    out = k8s_stack.run("preview", "--policy-pack", str(ROOT / "policies"), check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0 and "[mandatory]  gpu-vram-minimum" in text and "T4 has 16.00 GiB" in text, text
    assert "[mandatory]  gpu-compute-capability" in text  # T4 is Turing (7.5): no flash-attention kernels


def render(stack: str, out: Path) -> dict[str, dict[str, object]]:
    """scripts/render.sh (what `make render STACK=...` runs); {file name: manifest}."""
    env = {**os.environ, "PULUMI_HOME": str(pulumi_home(out.parent))}
    pin = ["--set", f"image={DLC_PINNED}"] if stack == "gke-prod" else []
    proc = subprocess.run([str(ROOT / "scripts" / "render.sh"), stack, str(out), *pin], capture_output=True,
                          text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {f.name: yaml.safe_load(f.read_text()) for f in sorted(out.rglob("*.yaml"))}


@pytest.mark.parametrize("stack", STACKS)
def test_render_mode_manifests(stack: str, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    files = render(stack, out)
    text = "".join(f.read_text() for f in out.rglob("*.yaml"))
    assert not any(m["kind"] == "Secret" for m in files.values()), "render mode must not write secrets"
    assert "hf_" not in text
    for manifest in files.values():
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)  # raises with the field on error
    dep = next(m for m in files.values() if m["kind"] == "Deployment")
    pod = dep["spec"]["template"]["spec"]  # type: ignore[index]
    tgi = pod["containers"][0]
    env = {e["name"]: e for e in tgi["env"]}
    assert env["HF_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "HF_TOKEN"
    assert env["API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "API_KEY"
    assert env["NUM_SHARD"]["value"] == "1" and tgi["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert tgi["startupProbe"]["httpGet"]["path"] == "/health"
    budget = tgi["startupProbe"]["failureThreshold"] * tgi["startupProbe"]["periodSeconds"]
    assert budget >= 200  # download + load + warm-up of ~14-16 GB of weights at the default bandwidths
    assert any(v.get("emptyDir", {}).get("medium") == "Memory" for v in pod["volumes"])
    assert {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"} in pod["tolerations"]
    if stack == "gke-prod":
        assert pod["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-l4"}
        assert (env["MAX_INPUT_TOKENS"]["value"], env["MAX_TOTAL_TOKENS"]["value"],
                env["MAX_BATCH_PREFILL_TOKENS"]["value"]) == ("4000", "4096", "4096")  # seed 003's numbers
        assert tgi["image"].startswith("us-docker.pkg.dev/deeplearning-platform-release/")
        # GKE's documented rules on what the engine rendered (tests/unit/test_gke_manifests.py has the sources).
        from tests.unit.test_gke_manifests import gke_rule_problems

        assert gke_rule_problems(pod) == [], pod
    # Reviewed snapshots: a pull request shows what changes (UPDATE_SNAPSHOTS=1 rewrites them).
    snap = SNAPSHOTS / stack
    rendered = {name: yaml.safe_dump(m, sort_keys=True) for name, m in files.items()}
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snap.mkdir(parents=True, exist_ok=True)
        for old in snap.glob("*.yaml"):
            old.unlink()
        for name, body in rendered.items():
            (snap / name).write_text(body)
    kept = {f.name: f.read_text() for f in sorted(snap.glob("*.yaml"))}
    assert rendered == kept, f"rendered manifests of {stack} changed: review, then UPDATE_SNAPSHOTS=1"


def test_sharded_render_gets_shm_and_gpus(tmp_path: Path) -> None:
    """Mixtral on 4 A100s: 4 shards, 4 GPUs requested, /dev/shm in memory at 1 GiB, all policies pass."""
    p = make_project(tmp_path, copy_program(tmp_path), stack="k8s-prod")
    out = tmp_path / "rendered"
    p.config("tgi-fleet:model", json.dumps({"id": "mistralai/Mixtral-8x22B-Instruct-v0.1"}))
    p.config("tgi-fleet:gpu", json.dumps({"name": "A100 80GB", "count": 4}))
    p.config("tgi-fleet:serving", json.dumps({"max_total_tokens": 4096}))
    p.config("tgi-fleet:kubernetes.render_dir", str(out), path=True)
    p.run("up", "--yes", "--skip-preview", "--policy-pack", str(ROOT / "policies"))
    dep = next(yaml.safe_load(f.read_text()) for f in out.rglob("*deployment*.yaml"))
    pod = dep["spec"]["template"]["spec"]
    tgi = pod["containers"][0]
    env = {e["name"]: e.get("value") for e in tgi["env"]}
    assert env["NUM_SHARD"] == "4" and tgi["resources"]["limits"]["nvidia.com/gpu"] == "4"
    shm = next(v for v in pod["volumes"] if v["name"] == "dshm")
    assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": "1Gi"}  # the provider normalises 1024Mi
    kubernetes_validate.validate(dep, K8S_VERSION, strict=True)


def test_gke_ingress_follows_gke_rules(tmp_path: Path) -> None:
    """GKE's Ingress controller picks up an Ingress by the `kubernetes.io/ingress.class` annotation ("gce" for
    the external Application Load Balancer) and takes no action on spec.ingressClassName; nginx annotations mean
    nothing to it (https://cloud.google.com/kubernetes-engine/docs/concepts/ingress). A tls block must name a
    Secret that exists: nothing creates one on GKE, so there is none. Plain Kubernetes keeps nginx."""
    gke = next(m for m in render("gke-prod", tmp_path / "gke").values() if m["kind"] == "Ingress")
    meta, spec = gke["metadata"], gke["spec"]
    assert meta["annotations"]["kubernetes.io/ingress.class"] == "gce"  # type: ignore[index]
    assert not any(k.startswith("nginx.ingress.kubernetes.io/") for k in meta["annotations"])  # type: ignore[index, union-attr]
    assert "ingressClassName" not in spec and "tls" not in spec  # type: ignore[operator]
    k8s = next(m for m in render("k8s-prod", tmp_path / "k8s").values() if m["kind"] == "Ingress")
    assert k8s["spec"]["ingressClassName"] == "nginx" and "tls" in k8s["spec"]  # type: ignore[index, operator]
