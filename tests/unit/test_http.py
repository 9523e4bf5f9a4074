"""The one HTTP seam: every client honours an injected transport; Retry-After and backoff."""

from __future__ import annotations

import ssl

import certifi
import httpx
import pytest
from tenacity import RetryCallState

from components import http
from components.readiness import HttpHealth


def test_injected_transport_reaches_every_client() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, text="ok")

    with http.use_transport(httpx.MockTransport(handler)):
        with http.client("http://api.example/") as c:
            assert c.get("/x").text == "ok"
        assert HttpHealth("http://tgi.example", {}).count().ready == 1  # readiness uses the same seam
    assert seen == ["http://api.example/x", "http://tgi.example/health"]


def test_clients_share_one_tls_context_made_as_httpx_makes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each new httpx.Client loads the CA bundle into a fresh SSLContext (~30 ms of CPU; a provider operation and
    every readiness poll build one): the seam makes httpx's own default context once and hands it to every client."""
    made: list[object] = []
    real = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        made.append(kwargs.get("cafile") or kwargs.get("capath"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl, "create_default_context", counting)
    http.tls_context.cache_clear()
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())  # httpx's trust_env rule is kept: the variable is read
    for _ in range(3):
        with http.client("https://api.example/"):
            pass
    assert made == [certifi.where()], made
    http.tls_context.cache_clear()


def test_timeouts_on_every_phase() -> None:
    t = http.timeout(3)
    assert (t.read, t.connect) == (3, 3)
    assert http.timeout(60).connect == 10
    with http.client() as c:
        assert c.timeout.read == http.DEFAULT_TIMEOUT.read


def test_retry_after_and_backoff() -> None:
    assert http.retry_after_seconds("3") == 3.0 and http.retry_after_seconds("soon") is None

    class Late(Exception):
        delay = 500.0

    def state(exc: BaseException, attempt: int) -> RetryCallState:
        s = RetryCallState(None, None, (), {})  # type: ignore[arg-type]
        s.attempt_number = attempt
        s.set_exception((type(exc), exc, None))
        return s

    assert http.backoff(state(Late(), 1)) == http.MAX_RETRY_AFTER_S  # the server's wish, capped
    assert [http.backoff(state(ValueError(), n)) for n in (1, 2, 6)] == [0.5, 1.0, 8.0]


def test_retrying_reraises_the_last_error() -> None:
    calls: list[int] = []

    @http.retrying(lambda e: isinstance(e, KeyError), max_attempts=3, max_delay_s=5)
    def flaky() -> None:
        calls.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        flaky()
    assert len(calls) == 3
