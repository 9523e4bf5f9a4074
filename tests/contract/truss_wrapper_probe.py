"""Run with cwd = a `truss image build-context` output: truss's own model wrapper loads and calls the model class.

Usage: python truss_wrapper_probe.py (cwd: the build context; PATH: a text-generation-launcher first). The
build context holds truss's server code (server/: model_wrapper.py, truss_server.py, _truss_common/) and the truss
as the image has it (config.yaml with truss's defaults, model/model.py). This runs truss's ModelWrapper as its
server does: load() in this thread, then predict(), chat_completions() and the error handler's answer for a
refusal. Prints what came back as JSON.

Only the tracing exporter and SDK (opentelemetry-sdk, -exporter-otlp: truss server requirements this
environment does not install) are stand-ins: the wrapper imports them for spans, which play no part here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any
from unittest import mock

TRACING = ("opentelemetry.exporter", "opentelemetry.exporter.otlp", "opentelemetry.exporter.otlp.proto",
           "opentelemetry.exporter.otlp.proto.http", "opentelemetry.exporter.otlp.proto.http.trace_exporter",
           "opentelemetry.sdk", "opentelemetry.sdk.resources", "opentelemetry.sdk.trace",
           "opentelemetry.sdk.trace.export")
SEED_001 = {"prompt": "What is the meaning of life?", "max_new_tokens": 4096}


def request() -> Any:
    import starlette.requests

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/v1/models/model:predict", "headers": [],
             "query_string": b""}
    return starlette.requests.Request(scope, receive)


async def calls(wrapper: Any, errors: Any) -> dict[str, Any]:
    whole = await wrapper.predict(dict(SEED_001), request())
    streamed = await wrapper.predict({**SEED_001, "stream": True}, request())
    chunks = [c if isinstance(c, str) else c.decode() async for c in streamed]
    try:
        await wrapper.predict({**SEED_001, "max_new_tokens": 4097}, request())
        refusal: dict[str, Any] = {}
    except Exception as exc:  # the server's exception handler turns it into the HTTP answer
        answer = await errors.exception_handler(None, exc)
        refusal = {"status": answer.status_code, "body": json.loads(answer.body)}
    chat = await wrapper.chat_completions({"model": "tgi", "max_tokens": 8,
                                           "messages": [{"role": "user", "content": "hi"}]}, request())
    return {"whole": whole, "chunks": chunks, "refusal": refusal, "chat": chat}


def main() -> dict[str, Any]:
    for name in TRACING:
        sys.modules[name] = mock.MagicMock(name=name)
    sys.path.insert(0, "server")
    import model_wrapper
    import yaml
    from _truss_common import errors

    with open("config.yaml", encoding="utf-8") as f:
        config = yaml.safe_load(f)
    wrapper = model_wrapper.ModelWrapper(config, mock.MagicMock())
    wrapper.load()
    out: dict[str, Any] = {"status": wrapper._status.name}
    if wrapper.ready:
        out.update(asyncio.run(calls(wrapper, errors)))
    return out


if __name__ == "__main__":
    print(json.dumps(main()), flush=True)
    os._exit(0)  # the launcher's TGI dies with this process
