"""Container image references: is the TGI image pinned to a fixed tag or a digest?"""

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
