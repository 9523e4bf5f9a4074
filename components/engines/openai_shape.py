"""The OpenAI chat/completions answer shapes the smoke stage checks on an engine without TGI's own models.

From OpenAI's API reference (openai/openai-openapi, openapi.yaml: CreateChatCompletionResponse,
CreateChatCompletionStreamResponse, CreateCompletionResponse, CompletionUsage): only the fields the smoke stage
reads are required; `system_fingerprint` is optional there (vLLM sends it on the last chunk only, vLLM 0.32
vllm/entrypoints/openai/chat_completion/protocol.py), and engines add fields of their own (extra allowed).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Usage(_Open):
    """CompletionUsage."""

    completion_tokens: int = Field(ge=0)
    prompt_tokens: int = Field(ge=0)
    total_tokens: int = Field(ge=0)


class Message(_Open):
    """The assistant's message (content may be null with tool calls)."""

    role: str | None = None
    content: str | None = None


class Choice(_Open):
    """One choice of a chat completion."""

    index: int = Field(ge=0)
    message: Message
    finish_reason: str | None = None


class ChatCompletion(_Open):
    """CreateChatCompletionResponse."""

    id: str
    created: int = Field(ge=0)
    model: str
    choices: list[Choice]
    usage: Usage


Delta = Message  # a streamed message fragment: the same two fields, both optional


class ChunkChoice(_Open):
    """One choice of a stream chunk."""

    index: int = Field(ge=0)
    delta: Delta
    finish_reason: str | None = None


class ChatCompletionChunk(_Open):
    """CreateChatCompletionStreamResponse."""

    id: str
    created: int = Field(ge=0)
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None


class CompletionChoice(_Open):
    """One choice of a text completion."""

    index: int = Field(ge=0)
    text: str
    finish_reason: str | None = None


class Completion(_Open):
    """CreateCompletionResponse (/v1/completions)."""

    id: str
    created: int = Field(ge=0)
    model: str
    choices: list[CompletionChoice] = Field(min_length=1)
    usage: Usage
