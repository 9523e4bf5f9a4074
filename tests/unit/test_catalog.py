"""GPU and model catalogs: lookups, and parameter counts computed from config.json."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from components.catalog.gpus import GIB, load_catalog
from components.catalog.models import load_model, shipped_models

ROOT = Path(__file__).resolve().parents[2]

# Published parameter counts (model cards), to check the count derived from the shapes.
PUBLISHED_B = {
    "mistralai/Mistral-7B-Instruct-v0.1": 7.24,
    "mistralai/Mistral-7B-Instruct-v0.3": 7.25,
    "google/gemma-7b-it": 8.54,
    "TheBloke/Llama-2-13B-chat-GPTQ": 13.02,
    "mistralai/Mixtral-8x22B-Instruct-v0.1": 140.6,
    "meta-llama/Llama-3.1-8B-Instruct": 8.03,
    "Qwen/Qwen2.5-7B-Instruct": 7.62,
}


def test_every_seed_model_ships() -> None:
    assert set(shipped_models()) == set(PUBLISHED_B)


@pytest.mark.parametrize("model", sorted(PUBLISHED_B))
def test_param_count_matches_the_model_card(model: str) -> None:
    assert load_model(model).params / 1e9 == pytest.approx(PUBLISHED_B[model], rel=0.005)


def test_architecture_facts() -> None:
    gemma = load_model("google/gemma-7b-it")
    assert (gemma.dim_per_head, gemma.kv_heads, gemma.max_position_embeddings) == (256, 16, 8192)
    mixtral = load_model("mistralai/Mixtral-8x22B-Instruct-v0.1")
    assert (mixtral.experts, mixtral.experts_per_token, mixtral.kv_heads) == (8, 2, 8)
    gptq = load_model("TheBloke/Llama-2-13B-chat-GPTQ")
    assert gptq.quantization_config is not None and gptq.quantization_config.bits == 4


def test_config_json_path_and_bad_config(tmp_path: Path) -> None:
    good = tmp_path / "config.json"
    good.write_text((Path(__file__).resolve().parents[2] / "components/catalog/models/Qwen--Qwen2.5-7B-Instruct.json")
                    .read_text())
    assert load_model(str(good)).model_type == "qwen2"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model_type": "x", "hidden_size": 8}))
    with pytest.raises(ValueError, match="num_hidden_layers"):
        load_model(str(bad))


def test_gpu_lookups() -> None:
    c = load_catalog()
    assert c.gpu("rtx  4090").vram_bytes == 24 * GIB
    assert c.offering("salad", "RTX 4090 (24 GB)").price_per_hour == 0.30
    assert c.offering("aws", "A10G").name == "g5.xlarge"  # by chip: the smallest node
    with pytest.raises(KeyError, match="known classes"):
        c.offering("salad", "RTX 9090 (64 GB)")


def test_size_request_and_cheapest_fit() -> None:
    c = load_catalog()
    names = {o.name for o in c.resolve_request("dstack", "48GB")}
    assert names == {"A100:80GB", "H100", "L40S"}
    cheapest = c.cheapest("salad", 20 * GIB)
    assert cheapest is not None and cheapest.name == "RTX 3090 (24 GB)"
    eight = c.cheapest("aws", 60 * GIB, gpus=8)
    assert eight is not None and eight.name == "p4de.24xlarge"
    assert c.cheapest("baseten", 200 * GIB) is None


def test_salad_catalog_covers_the_captured_gpu_class_list() -> None:
    sample = json.loads((Path(__file__).resolve().parents[2] / "emulator/salad/data/gpu-classes.json").read_text())
    api_names = {" ".join(i["name"].split()) for i in sample["items"]}
    ours = {o.name for o in load_catalog().offerings["salad"]}
    assert ours <= api_names, ours - api_names


def _load_unknown(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = ("from components.catalog.models import load_model\n"
            "try:\n    load_model('someone/not-shipped-model')\nexcept ValueError as exc:\n    print(exc)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env}, cwd=ROOT)


def test_unknown_model_with_an_unreachable_hub_fails_after_one_attempt() -> None:
    """A Hub that drops every connection: one attempt, then the fix (no ~25 s of retries)."""
    attempts = []
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def drop() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            attempts.append(1)
            conn.close()

    threading.Thread(target=drop, daemon=True).start()
    try:
        out = _load_unknown({"HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HUB_OFFLINE": "0"})
    finally:
        server.close()
    assert "Hugging Face Hub cannot be reached" in out.stdout and "tgi-fleet:model.config_path" in out.stdout, out
    # One request; the HTTP client itself re-sends once on a connection dropped before any answer (the old
    # path made 12 connections over ~25 s of backoff).
    assert len(attempts) <= 2, attempts


def test_unknown_model_offline_says_so_without_a_request() -> None:
    out = _load_unknown({"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"})
    assert "HF_HUB_OFFLINE is set" in out.stdout and "tgi-fleet:model.config_path" in out.stdout, out


def test_every_gcp_offering_has_its_gke_node_type() -> None:
    """requests-fit-node judges a GKE pod by its node type: none of GCP's offerings may go unjudged."""
    from components.catalog.nodes import node_type

    missing = [o.name for o in load_catalog().offerings["gcp"] if node_type(o.name) is None]
    assert missing == []


def test_gke_allocatable_follows_googles_reservation_tiers() -> None:
    """cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes#memory_and_cpu_reservations, by hand.

    n1-standard-4 (4 vCPU, 15 GB): CPU 4000m - (60 + 10 + 2*5)m; memory 15360 MiB - (25% of 4 GiB + 20% of 4 GiB
    + 10% of 7 GiB) - 100 MiB eviction threshold. g2-standard-24 (24 vCPU, 96 GB): CPU 24000m - (80 + 20*2.5)m;
    memory 98304 - (1024 + 819.2 + 819.2 + 80*1024*0.06) - 100.
    """
    from components.catalog.nodes import node_types

    nodes = node_types()
    n1, g2 = nodes["n1-standard-4"], nodes["g2-standard-24"]
    assert (n1.allocatable_cpu_m, n1.allocatable_memory_mib) == (3920, 15360 - 2560 - 100)
    assert g2.allocatable_cpu_m == 24000 - 130
    assert g2.allocatable_memory_mib == 98304 - 7578 - 100  # 7577.6 MiB reserved, rounded up
