"""URL-typed config values: http(s) URLs and host:port addresses, checked at preview.

urllib (not httpx) keeps the preview path light (tests/unit/test_preview_imports.py). Anything with userinfo
(`user@host`) is refused outright, so no reading of it can differ from the HTTP client's: httpx would connect to
the host after the '@', not to what a reader sees first.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator


def is_loopback_host(host: str) -> bool:
    """Whether a client connecting to `host` stays on this machine: localhost, or a loopback address (127.0.0.0/8,
    ::1). The one rule of the program and scripts/stack_endpoints.py (the published passphrase); the emulators keep
    their own, as they model the platform. `host` is the host as the HTTP client reads the URL (no userinfo)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def http_url_problem(v: str) -> str | None:
    """What is wrong with v as an http(s) URL with a host, or None."""
    if not v or any(c.isspace() for c in v):
        return "not a URL (empty or with spaces)"
    try:
        parts = urlsplit(v)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in 0..65535
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "expected an http:// or https:// URL with a host"
    if "@" in parts.netloc:
        return f"a URL with user:password@ before the host is refused (the client would connect to {parts.hostname})"
    return None


def _http_url(v: str) -> str:
    problem = http_url_problem(v)
    if problem:
        raise ValueError(problem)
    return v


def _host_port(v: str) -> str:
    host, sep, port = v.rpartition(":")
    if (not sep or not host or "/" in v or not port.isdigit() or not 1 <= int(port) <= 65535
            or http_url_problem(f"http://{v}/")):
        raise ValueError("expected host:port, e.g. 127.0.0.1:8080")
    return v


HttpUrlText = Annotated[str, AfterValidator(_http_url)]  # an http(s) URL, kept as the text the user gave
HostPort = Annotated[str, AfterValidator(_host_port)]  # host:port, e.g. an emulator's address
