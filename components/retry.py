"""What the API clients share: retries (tenacity) that honour Retry-After, and readable error-body excerpts."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, stop_after_delay

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0


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


def backoff_wait(state: RetryCallState) -> float:
    """The server's Retry-After (an exception's `delay`, capped) when it sent one, else 0.5 s doubling to 8 s."""
    exc = state.outcome.exception() if state.outcome else None
    delay = getattr(exc, "delay", None)
    if isinstance(delay, (int, float)):
        return min(float(delay), MAX_RETRY_AFTER_S)
    return float(min(8.0, 0.5 * 2 ** (state.attempt_number - 1)))


def retrying(retryable: Callable[[BaseException], bool], max_attempts: int, max_delay_s: float) -> Any:
    """A tenacity decorator: retry what `retryable` accepts, waiting backoff_wait, re-raising the last error."""
    return retry(
        retry=retry_if_exception(retryable),
        wait=backoff_wait,
        stop=stop_after_attempt(max_attempts) | stop_after_delay(max_delay_s),
        reraise=True,
    )


def body_excerpt(response: httpx.Response, limit: int = 200) -> str:
    """A short one-line excerpt of an error body that is not the API's JSON (an HTML proxy page, say)."""
    text = " ".join(response.text.split())
    return (text[:limit] + "…") if len(text) > limit else (text or response.reason_phrase)
