"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for SGLang's own app spec (contracts/sglang/openapi.json, sglang 0.5.23's
FastAPI app.openapi()): what SGLang's handlers do that FastAPI's generated spec leaves out, added before schemathesis
reads it. The simulated SGLang follows the handlers (sglang/srt/entrypoints/http_server.py):

- A body FastAPI cannot read is a 400 ErrorResponse, not the documented 422 (validation_exception_handler); the
  OpenAI routes' own request errors are 400s too (entrypoints/openai/serving_base.py), /generate's {"error": ...}.
- /health, /health_generate and /ready answer a bare `Response(status_code=200)`: no body, no content type.
- /generate returns the tokenizer manager's dict (the spec says "string", from its response class), or an event
  stream when `stream` is set; the OpenAI routes stream events too.
- GET /v1/models/{model} answers 404 for a model it does not serve (retrieve_model), or the HTTPException
  handler's 404 for an id its route cannot match.
"""

from __future__ import annotations

from typing import Any

import schemathesis

ERROR = {"type": "object", "required": ["object", "message", "type", "code"]}
GENERATE_ERROR = {"type": "object", "required": ["error"]}


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    paths = raw_schema["paths"]
    for path in ("/health", "/health_generate", "/ready"):
        paths[path]["get"]["responses"]["200"] = {"description": "Successful Response"}
    # Its own 404 for a model it does not serve; an id the route cannot match is the HTTPException handler's.
    paths["/v1/models/{model}"]["get"]["responses"]["404"] = {
        "description": "Not Found", "content": {"application/json": {"schema": {"anyOf": [GENERATE_ERROR, ERROR]}}}}
    for method in ("post", "put"):
        ok = paths["/generate"][method]["responses"]["200"]
        ok["content"] = {"application/json": {"schema": {"type": "object"}}, "text/event-stream": {"schema": {}}}
    for path in ("/v1/chat/completions", "/v1/completions"):
        paths[path]["post"]["responses"]["200"]["content"]["text/event-stream"] = {"schema": {}}
    for path, item in paths.items():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                schema = {"anyOf": [ERROR, GENERATE_ERROR]} if path == "/generate" else ERROR
                operation["responses"]["400"] = {"description": "Bad Request",
                                                 "content": {"application/json": {"schema": schema}}}
