"""SmokeTest: a dynamic resource that gates the update on a working endpoint, re-run whenever its inputs change."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.shutdown import prepare_provider_process
from components.smoke.args import INPUT_DEFAULTS, INPUT_KEYS, SmokeArgs

# The engine's dynamic-provider process loads this module to unpickle the provider, after the SDK and gRPC:
# freezing them here spares that process's exit, which every preview and update waits for; a watchdog ends
# the process if the engine is killed (it would otherwise run on, orphaned).
prepare_provider_process()

# httpx, tenacity and the readiness/chat code load when the test runs, not on every preview.

OUTPUT_KEYS = ("ttft_ms_p50", "ttft_ms_p95", "latency_ms_p50", "latency_ms_p95", "tokens_per_s", "ready_replicas",
               "readiness_to_first_request_ms", "readiness_calls_per_min", "requests", "curl_example",
               "openai_example", "status")


def _transient(exc: BaseException) -> bool:
    import httpx

    from components.smoke.chat import SmokeFailure

    # A replica that was just reallocated can make the gateway answer 502/503 once: retry a little.
    return isinstance(exc, httpx.TransportError) or (
        isinstance(exc, SmokeFailure) and any(f"HTTP {c}" in str(exc) for c in (502, 503, 504))
    )


def examples(endpoint: str, model: str, auth: dict[str, str] | None, plain: dict[str, str],
             request_model: str = "tgi") -> tuple[str, str]:
    """A curl and an openai-python example; secrets as environment variables, never inlined.

    request_model: the `model` the engine wants in a request (TGI ignores it; vLLM and SGLang check it)."""
    header = "".join(f" \\\n  -H '{k}: {v}'" for k, v in plain.items())
    header += f' \\\n  -H "{auth["header"]}: {auth["value_hint"]}"' if auth else ""
    body = json.dumps({"model": request_model, "messages": [{"role": "user", "content": "What is Deep Learning?"}],
                       "max_tokens": 128, "stream": True})
    curl = (f"curl {endpoint}/v1/chat/completions \\\n  -H 'Content-Type: application/json'{header} \\\n"
            f"  -d '{body}'")
    pairs = [f'"{k}": "{v}"' for k, v in plain.items()]
    pairs += [f'"{auth["header"]}": os.environ["{auth["env"]}"]'] if auth else []
    headers = f", default_headers={{{', '.join(pairs)}}}" if pairs else ""
    py = (f"import os\nfrom openai import OpenAI\n"
          f"client = OpenAI(base_url=\"{endpoint}/v1\", api_key=\"-\"{headers})\n"
          f"print(client.chat.completions.create(model=\"{model}\", "
          f"messages=[{{\"role\": \"user\", \"content\": \"What is Deep Learning?\"}}]).choices[0].message.content)")
    return curl, py


def run_smoke(props: dict[str, Any]) -> dict[str, Any]:
    """Wait for readiness, send the chat completions, check shape and SLOs; raise SmokeFailure on any miss."""
    from components import http
    from components.engines.registry import engine as engine_named
    from components.providers.registry import readiness_source
    from components.readiness import status_of, wait_ready
    from components.smoke.chat import (
        Measurement,
        SmokeFailure,
        chat,
        engine_route,
        percentile,
        probe_request,
        seed_request,
    )

    # 3 tries, 0.5 s then 1 s apart; no overall bound (a slow answer is the SLO check's business, not the retry's).
    retrying = http.retrying(_transient, max_attempts=3, max_delay_s=math.inf)
    chat_retrying, route_retrying, probe_retrying = retrying(chat), retrying(engine_route), retrying(probe_request)
    seed_retrying = retrying(seed_request)
    # Pulumi hands dynamic providers every number as a float; TGI's serde wants integers (max_tokens).
    knobs = http.whole_numbers(props["knobs"])
    engine = engine_named(props.get("engine") or "tgi")
    request_model = engine.request_model(props["model"])
    models = engine.chat_models()
    log = pulumi.log.info
    source = readiness_source(props["readiness"])
    # The engine's start-up failure in the crash-loop message (the engine is a smoke input already: the readiness
    # spec, stored as an input, stays as it was).
    waited = wait_ready(source, int(props["min_ready"]), float(props["timeout_s"]), log,
                        startup_failure=engine.startup_failure, engine=engine.name)
    ready_at = waited.ready_at
    endpoint = props["endpoint"].rstrip("/")
    url = f"{endpoint}/v1/chat/completions"
    headers = {**(props.get("plain_headers") or {}), **(props.get("headers") or {})}
    results: list[Measurement] = []
    first_request_ms: float | None = None
    with http.client(timeout=http.timeout(knobs["latency_slo_ms"] / 1000 + 30)) as client:
        for prompt in knobs["prompts"]:
            for stream in (False, True):
                body: dict[str, Any] = {
                    "model": request_model, "messages": [{"role": "user", "content": prompt}], "stream": stream,
                    "max_tokens": knobs["max_tokens"], "temperature": knobs["temperature"],
                    "top_p": knobs["top_p"],
                }
                if knobs.get("stop"):
                    body["stop"] = knobs["stop"]
                if first_request_ms is None:
                    first_request_ms = (time.monotonic() - ready_at) * 1000
                results.append(chat_retrying(client, url, body, headers, models))
        route = engine.extra_route
        if props.get("tgi_routes", True) and route is not None:
            # The engine's own route as well (the TGI containers' guide tests both chat and generate; vLLM's
            # /v1/completions, SGLang's /generate).
            sampling = {"temperature": knobs["temperature"], "top_p": knobs["top_p"]} if knobs["temperature"] else {}
            sampling.update({"stop": knobs["stop"]} if knobs.get("stop") else {})
            request = engine.extra_request(request_model, knobs["prompts"][0], knobs["max_tokens"], sampling)
            generated = route_retrying(client, f"{endpoint}{route.path}", request, headers, knobs["max_tokens"],
                                       engine.extra_answer, route.name)
            log(f"smoke: {route.path} OK via {endpoint}: {generated.completion_tokens} tokens")
        for probe in props.get("probes") or []:
            probe_retrying(client, probe, headers)
            log(f"smoke: {probe['name']} OK via {probe['url']}")
        for request in props.get("seed_requests") or []:
            # The seed's own example requests, on top of the configured prompts (issue #24 item 9).
            answered = seed_retrying(client, endpoint, request, props.get("probes") or [], headers)
            log(f"smoke: seed request {request['name']} OK ({answered})")
    streamed = [m for m in results if m.stream]
    ttft = [m.ttft_ms for m in streamed]
    latency = [m.latency_ms for m in results]
    summary = {
        "ttft_ms_p50": round(percentile(ttft, 50), 1), "ttft_ms_p95": round(percentile(ttft, 95), 1),
        "latency_ms_p50": round(percentile(latency, 50), 1), "latency_ms_p95": round(percentile(latency, 95), 1),
        "tokens_per_s": round(sum(m.completion_tokens for m in results) / (sum(latency) / 1000), 1),
        "ready_replicas": waited.count.ready, "readiness_to_first_request_ms": round(first_request_ms or 0.0, 1),
        "readiness_calls_per_min": waited.calls_per_min,
        "requests": len(results),
    }
    misses = []
    if summary["ttft_ms_p95"] > knobs["ttft_slo_ms"]:
        misses.append(f"TTFT p95 {summary['ttft_ms_p95']} ms > ttft_slo_ms {knobs['ttft_slo_ms']}")
    if summary["latency_ms_p95"] > knobs["latency_slo_ms"]:
        misses.append(f"latency p95 {summary['latency_ms_p95']} ms > latency_slo_ms {knobs['latency_slo_ms']}")
    if misses:
        raise SmokeFailure(f"{endpoint} answers, but misses its SLOs: {'; '.join(misses)}")
    log(f"smoke: {len(results)} chat completions OK via {endpoint}: TTFT p50 {summary['ttft_ms_p50']} ms, "
        f"latency p95 {summary['latency_ms_p95']} ms, {summary['tokens_per_s']} tokens/s")
    curl, py = examples(endpoint, props["model"], props.get("auth_hint"), props.get("plain_headers") or {},
                        request_model)
    # Read at the end of the update, after the wait and the requests (not the status the create returned).
    return {**summary, "curl_example": curl, "openai_example": py, "status": status_of(source, waited.count)}


def _healthy(props: dict[str, Any]) -> bool:
    """Are at least min_ready replicas ready now? (True when the source cannot tell: no false alarms.)"""
    from components.errors import ApiError
    from components.providers.registry import readiness_source
    from components.readiness import DeploymentEnded

    try:
        return readiness_source(props["readiness"]).count().ready >= int(props["min_ready"])
    except DeploymentEnded:
        return False
    except (ApiError, KeyError, TypeError, ValueError):
        return True


class SmokeTestProvider(ResourceProvider):
    """Runs the smoke test on create and on every change of its inputs; nothing to delete."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"smoke-{props['trigger']}"[:60], outs={**props, **self._run(props)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in INPUT_KEYS if olds.get(k, INPUT_DEFAULTS.get(k)) != news.get(k, INPUT_DEFAULTS.get(k))]
        # The stack's health check: a deployment that no longer has its ready replicas (one crashed, the group
        # was repaired) is proven again, even when nothing in the config changed.
        if not changed and not _healthy(news):
            changed.append("ready_replicas")
        return DiffResult(changes=bool(changed))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, **self._run(news)})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """`pulumi refresh`: the deployment's status and ready replicas now (the measurements stay as measured)."""
        from components.errors import ApiError
        from components.providers.registry import readiness_source
        from components.readiness import DeploymentEnded, status_of

        try:
            source = readiness_source(props["readiness"])
            count = source.count()
            return ReadResult(id_=id_, outs={**props, "ready_replicas": count.ready,
                                             "status": status_of(source, count)})
        except DeploymentEnded:  # gone or ended outside Pulumi: refresh records it, the next up repairs it
            return ReadResult(id_=id_, outs={**props, "ready_replicas": 0, "status": "ended"})
        except (ApiError, KeyError, TypeError):
            return ReadResult(id_=id_, outs=props)

    @staticmethod
    def _run(props: dict[str, Any]) -> dict[str, Any]:
        from components.readiness import ApiUnreachable, DeploymentEnded
        from components.smoke.billing import after_failure
        from components.smoke.chat import SmokeFailure

        try:
            return run_smoke(props)
        except (SmokeFailure, TimeoutError, PermissionError, DeploymentEnded, ApiUnreachable) as exc:
            # One clear line instead of a provider traceback; the update fails here. The replicas may still run
            # (and bill): the line says so, and how to stop them, unless the provider itself ended the deployment.
            billing = "" if isinstance(exc, DeploymentEnded) else after_failure(props.get("billing"),
                                                                                props.get("readiness"))
            raise Exception(f"smoke test failed: {exc}{billing}") from None


class SmokeTest(Resource):
    """Gates `pulumi up` on ready replicas answering chat completions within their SLOs."""

    ttft_ms_p50: pulumi.Output[float]
    ttft_ms_p95: pulumi.Output[float]
    latency_ms_p50: pulumi.Output[float]
    latency_ms_p95: pulumi.Output[float]
    tokens_per_s: pulumi.Output[float]
    readiness_to_first_request_ms: pulumi.Output[float]
    readiness_calls_per_min: pulumi.Output[float]
    curl_example: pulumi.Output[str]
    openai_example: pulumi.Output[str]
    status: pulumi.Output[str]
    ready_replicas: pulumi.Output[int]

    def __init__(self, name: str, args: SmokeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {**args.props(), **dict.fromkeys(OUTPUT_KEYS)}
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["headers", "readiness"]))
        super().__init__(SmokeTestProvider(), name, props, opts)
