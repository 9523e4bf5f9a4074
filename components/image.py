"""Container image references: is the TGI image pinned to a fixed tag or a digest, and where does it cache?"""

from __future__ import annotations

PIN_EXAMPLE = "ghcr.io/huggingface/text-generation-inference:3.3.0"


def pin_problem(image: str) -> str | None:
    """Why `image` is not pinned ('no tag', 'the latest tag'), or None when it has a fixed tag or a digest.

    The tag is what follows ':' in the last path component: 'localhost:5000/tgi' names a registry port, not a tag.
    """
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    if not tag:
        return "it has no tag (which means latest)"
    if tag == "latest":
        return "its tag is latest"
    return None


# Where a TGI image family writes the Hub cache (its Dockerfile's ENV), so the model-cache volume is mounted
# there and the weights survive a container restart instead of landing in the container's writable layer.
# - huggingface/text-generation-inference Dockerfile: `ENV HF_HOME=/data` (older releases:
#   `HUGGINGFACE_HUB_CACHE=/data`) — and everything else defaults to it.
# - Google's TGI DLCs, huggingface/Google-Cloud-Containers containers/tgi/gpu/{2.3.1,2.4.0,3.0.1}/Dockerfile:
#   `ENV HF_HOME=/tmp` (2.2.0: `HUGGINGFACE_HUB_CACHE=/tmp`), commit 8d6aa78; Google's GKE example
#   (examples/gke/tgi-deployment/config/deployment.yaml, same commit) mounts its cache volume at /tmp.
# - vLLM's and SGLang's images keep huggingface_hub's default, ~/.cache/huggingface as root: vLLM's Docker docs
#   run `-v ~/.cache/huggingface:/root/.cache/huggingface vllm/vllm-openai` (vllm-project/vllm docs, "Deploying
#   with Docker"); SGLang's own Kubernetes example mounts its cache at /root/.cache/huggingface
#   (sgl-project/sglang docker/k8s-sglang-service.yaml, commit 0b082f52).
DEFAULT_HUB_CACHE = "/data"
ROOT_HF_CACHE = "/root/.cache/huggingface"
HUB_CACHE_BY_IMAGE = (
    ("us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-inference-", "/tmp"),
    ("vllm/vllm-openai:", ROOT_HF_CACHE), ("vllm/vllm-openai@", ROOT_HF_CACHE),
    ("lmsysorg/sglang:", ROOT_HF_CACHE), ("lmsysorg/sglang@", ROOT_HF_CACHE),
)


def hub_cache_dir(image: str) -> str:
    """The directory `image` downloads the model into (where the model-cache volume must be mounted)."""
    return next((path for prefix, path in HUB_CACHE_BY_IMAGE if image.startswith(prefix)), DEFAULT_HUB_CACHE)
