"""What the simulated OpenAI-compatible engines (vLLM, SGLang) share: request bodies checked against the engine's own
OpenAPI spec (both are FastAPI apps, so the spec is the JSON Schema of the pydantic models that read the body), the
token counts of a chat or completion request, and OpenAI's finish reasons."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from emulator.replica.engine import Generation, chat_prompt

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


@dataclass(frozen=True)
class BodyError:
    """One way a body misses its schema, in pydantic's terms (what FastAPI reports): type, loc, msg, input."""

    type: str
    loc: tuple[str | int, ...]
    msg: str
    input: Any
    ctx: dict[str, Any] | None = None

    @property
    def param(self) -> str:
        """The loc as one dotted path ("body.messages")."""
        return ".".join(str(p) for p in self.loc)

    def as_dict(self) -> dict[str, Any]:
        """As vLLM reports it: loc dotted, input summarised (serve/exception_handling/handlers/validation.py)."""
        out = {"type": self.type, "loc": self.param, "msg": self.msg, "input": summary(self.input)}
        return {**out, "ctx": self.ctx} if self.ctx else out


def summary(value: Any) -> Any:
    """vLLM's bounded stand-in for an invalid input: strings up to 200 characters, containers by their size."""
    if isinstance(value, str):
        return value if len(value) <= 200 else value[:200] + "...[truncated]"
    if isinstance(value, list | dict):
        return f"<{type(value).__name__} of {len(value)} items>"
    return str(value)


# jsonschema's keyword -> pydantic's error type, for the common ones.
PYDANTIC_TYPES = {"required": "missing", "minimum": "greater_than_equal", "maximum": "less_than_equal",
                  "exclusiveMinimum": "greater_than", "exclusiveMaximum": "less_than", "enum": "literal_error",
                  "const": "literal_error", "minLength": "string_too_short", "maxLength": "string_too_long",
                  "minItems": "too_short", "maxItems": "too_long"}
# JSON Schema's type -> pydantic's error name and wording.
PYDANTIC_NAMES = {"array": ("list", "list"), "object": ("dict", "dictionary"), "integer": ("int", "integer"),
                  "number": ("float", "number"), "string": ("string", "string"), "boolean": ("bool", "boolean")}


class Spec:
    """An engine's OpenAPI document: its request body schemas, checked as JSON Schema 2020-12 (OpenAPI 3.1's)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.validators: dict[tuple[str, str], jsonschema.Draft202012Validator] = {}

    @classmethod
    @cache
    def load(cls, relative: str) -> Spec:
        """contracts/<relative>, read once."""
        return cls(json.loads((CONTRACTS / relative).read_text()))

    def body_schema(self, path: str, method: str = "post") -> dict[str, Any]:
        operation = self.document["paths"][path][method]
        schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
        return schema

    def errors(self, path: str, body: Any, method: str = "post") -> list[BodyError]:
        """Where `body` misses the spec's request schema of `method path` (empty: it fits)."""
        validator = self.validators.get((path, method))
        if validator is None:
            schema = {**self.body_schema(path, method), "components": self.document.get("components", {})}
            validator = self.validators[(path, method)] = jsonschema.Draft202012Validator(schema)
        found = []
        for err in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            loc: tuple[str | int, ...] = ("body", *err.absolute_path)
            kind = str(err.validator)
            if kind == "required":
                missing = str(err.message).split("'")[1] if "'" in err.message else ""
                found.append(BodyError("missing", (*loc, missing), "Field required", err.instance))
            elif kind == "type":
                name, noun = PYDANTIC_NAMES.get(str(err.validator_value), (str(err.validator_value),) * 2)
                found.append(BodyError(f"{name}_type", loc, f"Input should be a valid {noun}", err.instance))
            else:
                found.append(BodyError(PYDANTIC_TYPES.get(kind, kind), loc, err.message, err.instance))
        return found


def chat_text(body: dict[str, Any]) -> str:
    """The prompt a chat request renders to (the stand-in chat template)."""
    messages = body.get("messages") or []
    return chat_prompt([m for m in messages if isinstance(m, dict)])


def completion_texts(prompt: Any) -> list[str]:
    """A completion request's prompts: one string, a list of them, or token ids (each id one token)."""
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt and all(isinstance(p, int) for p in prompt):
        return [" ".join(f"t{p}" for p in prompt)]
    if isinstance(prompt, list):
        return [p if isinstance(p, str) else " ".join(f"t{i}" for i in p) for p in prompt]
    return [""]


def finish_reason(gen: Generation) -> str:
    """OpenAI's finish reason: length, or stop (an end-of-sequence token or a stop string)."""
    return "length" if gen.reason == "length" else "stop"


def stop_reason(gen: Generation, params: dict[str, Any]) -> str | None:
    """The stop string that ended the generation (vLLM's stop_reason, SGLang's matched_stop), or None."""
    if gen.reason != "stop_sequence":
        return None
    stops = params.get("stop") or []
    for s in [stops] if isinstance(stops, str) else stops:
        if s and s in gen.text:
            return str(s)
    return None


def usage(gens: list[Generation]) -> dict[str, int]:
    """OpenAI's usage of one or more generations (each choice counts its prompt, as both engines do)."""
    n_in = sum(g.n_in for g in gens)
    n_out = sum(len(g.tokens) for g in gens)
    return {"prompt_tokens": n_in, "total_tokens": n_in + n_out, "completion_tokens": n_out}
