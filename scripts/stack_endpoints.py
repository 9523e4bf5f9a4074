"""Where a stack file's endpoints point, for scripts/pulumi-secrets: `loopback`, `hub` or `public`.

Usage: stack_endpoints.py Pulumi.<stack>.yaml
  loopback: the provider's API (base_url/server_url, at least one) and every other *_url/*_endpoint/*_address,
            the Hugging Face Hub included, are on loopback: only emulators' throwaway keys go with it.
  hub:      the provider's API is on loopback but the Hub is the real one (secrets.hf_endpoint unset or public):
            the stack's hf_token would be a real Hugging Face token.
  public:   anything else (a malformed URL says so on stderr, naming the key).
URLs are parsed with httpx.URL, as the program's client does: `https://127.0.0.1:3000@sky.dstack.ai` connects to
sky.dstack.ai, so it is public. Which host is on loopback is the program's own rule (components/urls.py).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from components.urls import is_loopback_host

API_KEYS = ("base_url", "server_url")
_ENDPOINT = re.compile(r"(_url|_endpoint|_address)$")
HUB_DEFAULT = "https://huggingface.co"


def endpoints(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(key path, text) of every endpoint-like string in the config, nested sections included."""
    if isinstance(value, dict):
        for k, v in value.items():
            key = f"{path}.{k}" if path else str(k)
            if isinstance(v, str) and _ENDPOINT.search(str(k)):
                yield key, v
            else:
                yield from endpoints(v, key)


def on_loopback(key: str, text: str) -> bool:
    """True when the client would connect to a loopback host (host:port addresses read as http://host:port)."""
    try:
        url = httpx.URL(text if "://" in text else f"http://{text}")
    except (httpx.InvalidURL, TypeError) as exc:
        print(f"scripts/pulumi: {key} = {text!r} is not a URL ({exc}). Fix: an http(s) URL such as "
              f"http://127.0.0.1:3000.", file=sys.stderr)
        return False
    return is_loopback_host(url.host)


def verdict(config: dict[str, Any]) -> str:
    found = list(endpoints(config, ""))
    if not any(key.rsplit(".", 1)[-1] in API_KEYS for key, _ in found):
        return "public"
    if not all(on_loopback(key, text) for key, text in found):
        return "public"
    hub = next((text for key, text in found if key.endswith("hf_endpoint")), HUB_DEFAULT)
    return "loopback" if on_loopback("tgi-fleet:secrets.hf_endpoint", hub) else "hub"


def main() -> int:
    try:
        with open(sys.argv[1]) as f:
            data = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError):
        print("public")
        return 0
    print(verdict(data.get("config") or {}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
