"""The one place HTTP clients are built: timeouts, retries that honour Retry-After, and an injectable transport.

Every client of the program (provider APIs, readiness, smoke requests) comes from `client()`. Tests inject an
`httpx.MockTransport` with `use_transport()` where a real loopback server is not the point.
"""

from __future__ import annotations

import email.utils
import functools
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, stop_after_delay

from components.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound="JsonApi")
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0

_transport: httpx.BaseTransport | None = None
HUB_TIMEOUT_S = 10.0
_hub_transport: Any = None  # an httpx2 transport for huggingface_hub's client (tests)


@contextmanager
def use_transport(transport: httpx.BaseTransport) -> Iterator[None]:
    """Route every client built inside the block through `transport` (tests)."""
    global _transport
    previous, _transport = _transport, transport
    try:
        yield
    finally:
        _transport = previous


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's own default TLS context (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR), made once per process:
    each client would otherwise load the CA bundle again (~30 ms of CPU), and a provider builds one per operation."""
    return httpx.create_ssl_context()


def client(base_url: str = "", *, headers: dict[str, str] | None = None,
           timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None,
           ) -> httpx.Client:
    """A client with a timeout on every phase; the injected transport, if any, wins over the real network."""
    return httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout,
                        transport=transport or _transport, verify=tls_context())


def timeout(seconds: float) -> httpx.Timeout:
    """A request timeout of `seconds`, connecting within at most 10 s."""
    return httpx.Timeout(seconds, connect=min(10.0, seconds))


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(state: RetryCallState) -> float:
    """The server's Retry-After when the error carries one (`delay`, capped), else exponential 0.5 s .. 8 s."""
    exc = state.outcome.exception() if state.outcome else None
    delay = getattr(exc, "delay", None)
    if isinstance(delay, (int, float)):
        return min(float(delay), MAX_RETRY_AFTER_S)
    return float(min(8.0, 0.5 * 2 ** (state.attempt_number - 1)))


def retrying(retryable: Callable[[BaseException], bool], *, max_attempts: int = 6,
             max_delay_s: float = 120.0) -> Callable[[F], F]:
    """A decorator that retries on `retryable` errors, waiting as `backoff` says, and re-raises the last one."""
    decorate: Callable[[F], F] = retry(  # type: ignore[assignment]  # tenacity's decorator keeps F's signature
        retry=retry_if_exception(retryable),
        wait=backoff,
        stop=stop_after_attempt(max_attempts) | stop_after_delay(max_delay_s),
        reraise=True,
    )
    return decorate


def excerpt(response: httpx.Response, limit: int = 200) -> str:
    """A one-line excerpt of an error body that is not the API's own JSON (an HTML proxy page, say)."""
    text = " ".join(response.text.split())
    return (text[:limit] + "…") if len(text) > limit else (text or response.reason_phrase)


def whole_numbers(value: Any) -> Any:
    """JSON with 512.0 back as 512: Pulumi hands dynamic providers every number as a float; servers are typed."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


class JsonApi:
    """What a typed JSON API client shares: requests with timeouts and retries (Retry-After honoured), answers
    parsed into models, failures as the service's ApiError. A subclass sets `error` and says in `failed` how an
    error answer reads (its message, hints)."""

    error: ClassVar[type[ApiError]] = ApiError

    def __init__(self, base_url: str, headers: dict[str, str], *, timeout: httpx.Timeout, transport:
                 httpx.BaseTransport | None, max_attempts: int, max_delay_s: float) -> None:
        self._http = client(base_url, headers=headers, timeout=timeout, transport=transport)
        self._retrying = retrying(self._retryable, max_attempts=max_attempts, max_delay_s=max_delay_s)

    @property
    def base_url(self) -> str:
        """Where the API is (for messages)."""
        return str(self._http.base_url).rstrip("/")

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retryable(self, exc: BaseException) -> bool:
        if isinstance(exc, httpx.TransportError):
            return True
        return isinstance(exc, self.error) and exc.status in RETRY_STATUSES

    def failed(self, operation: str, response: httpx.Response) -> ApiError:
        """The error an error answer means (the service's detail and hints)."""
        return self.error(operation, response.status_code, excerpt(response))

    def _error(self, operation: str, response: httpx.Response) -> ApiError:
        """`failed`, carrying the Retry-After delay for the retry loop when the answer is a retryable one."""
        err = self.failed(operation, response)
        if response.status_code in RETRY_STATUSES:
            err.delay = retry_after_seconds(response.headers.get("Retry-After"))  # type: ignore[attr-defined]
        return err

    def _send(self, operation: str, method: str, path: str, ok: tuple[int, ...], **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.status_code in ok:
            return response
        raise self._error(operation, response)

    def _call(self, operation: str, method: str, path: str, ok: tuple[int, ...] = (200,),
              **kwargs: Any) -> httpx.Response:
        send: Callable[..., httpx.Response] = self._retrying(self._send)
        try:
            return send(operation, method, path, ok, **kwargs)
        except httpx.TransportError as exc:
            raise self.error(operation, None, f"{type(exc).__name__}: {exc}") from exc

    def _parse(self, model: type[M], response: httpx.Response, operation: str) -> M:
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise self.error(operation, response.status_code, f"unexpected response body: {exc}") from None


def wait_until(done: Callable[[], bool], timeout_s: float, every_s: float = 0.5) -> bool:
    """Poll `done` until it is true (True) or `timeout_s` has passed (False): e.g. a 202-accepted delete finishing."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(every_s)
    return True


DELETE_WAIT_S = 120.0  # how long a delete the service accepted may take to finish


def delete_and_wait(delete: Callable[[], bool], gone: Callable[[], bool], still_there: Callable[[], Exception],
                    timeout_s: float = DELETE_WAIT_S) -> None:
    """Delete; when the service accepted it (`delete` true; false: it was gone already), wait until `gone`, else
    raise `still_there()`: a resource's delete returns only once the thing is really gone."""
    if delete() and not wait_until(gone, timeout_s):
        raise still_there()


def hub_client() -> Any:
    """huggingface_hub's HTTP client (httpx2, its own HTTP stack) with a timeout on every phase and the injected
    Hub transport, if any: the Hub check and model-config reads never hang on an unreachable Hub."""
    import httpx2
    from huggingface_hub.utils._http import hf_request_event_hook

    return httpx2.Client(event_hooks={"request": [hf_request_event_hook]}, follow_redirects=True,
                         timeout=httpx2.Timeout(HUB_TIMEOUT_S, connect=min(5.0, HUB_TIMEOUT_S)),
                         transport=_hub_transport)


def use_hub() -> None:
    """Make huggingface_hub build its client here (call before a Hub request; cheap when already done)."""
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils import _http

    if _http._GLOBAL_CLIENT_FACTORY is not hub_client:
        set_client_factory(hub_client)


@contextmanager
def use_hub_transport(transport: Any) -> Iterator[None]:
    """Route huggingface_hub's requests through an httpx2 transport inside the block (tests)."""
    from huggingface_hub.utils._http import close_session

    global _hub_transport
    previous, _hub_transport = _hub_transport, transport
    close_session()  # the next Hub request builds its client again, with this transport
    try:
        yield
    finally:
        _hub_transport = previous
        close_session()
