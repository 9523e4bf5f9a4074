"""Run in .venv-tgi-client (not .venv): TGI's text-generation client against one URL; prints what it got as JSON.

Usage: python text_generation_probe.py URL HOST KEY. The client's own calls (generate and generate_stream POST /,
chat POST /v1/chat/completions) and its own error parsing; only the answers' facts go back to the test.

Not its chat stream: 0.7.0's ChatCompletionChunk requires `tool_calls` in every delta, which TGI 3.x does not send
for text (contracts/tgi/openapi.json: ChatCompletionDelta is TextMessage | ToolCallDelta), so that call fails
against a real TGI too; openai and InferenceClient cover chat streaming (test_official_clients.py).
"""

from __future__ import annotations

import json
import sys

from text_generation import Client
from text_generation.errors import ValidationError
from text_generation.types import Message

PROMPT = "What is deep learning?"


def main(url: str, host: str, key: str) -> dict[str, object]:
    client = Client(url, headers={"Host": host, "Salad-Api-Key": key}, timeout=10)
    out = client.generate(PROMPT, max_new_tokens=6, seed=1)
    stream = list(client.generate_stream(PROMPT, max_new_tokens=6, seed=1))
    chat = client.chat([Message(role="user", content=PROMPT)], max_tokens=7)
    try:
        client.generate(PROMPT, max_new_tokens=5000)
        invalid = None
    except ValidationError as exc:  # the client's type for TGI's error_type "validation"
        invalid = str(exc)
    unauthorized = Client(url, headers={"Host": host}, timeout=10)
    try:
        unauthorized.generate(PROMPT, max_new_tokens=2)
        refused = None
    except Exception as exc:  # whatever the client makes of the gateway's 401
        refused = type(exc).__name__
    return {
        "generated_text": out.generated_text,
        "generated_tokens": out.details.generated_tokens,
        "finish_reason": str(out.details.finish_reason.value),
        "stream_tokens": [s.token.text for s in stream],
        "stream_final_text": stream[-1].generated_text,
        "stream_final_tokens": stream[-1].details.generated_tokens if stream[-1].details else None,
        "chat_text": chat.choices[0].message.content,
        "chat_completion_tokens": chat.usage["completion_tokens"],
        "validation_error": invalid,
        "unauthorized": refused,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
