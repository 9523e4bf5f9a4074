"""Chat templates: the chat_template and eos_token of a model's tokenizer_config.json, shipped for offline use.

dstack's `format: tgi` model mapping needs both; when they are missing, the dstack server downloads the model's
tokenizer_config.json from the Hub at apply (and sends it the HF token only when that is a plain env value).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from components.catalog.models import model_filename

TOKENIZERS_DIR = Path(__file__).with_name("tokenizers")


class ChatTemplate(BaseModel):
    """The parts of tokenizer_config.json a chat mapping needs."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    chat_template: str = Field(min_length=1)
    eos_token: str = Field(min_length=1)
    bos_token: str | None = None

    @field_validator("eos_token", "bos_token", mode="before")
    @classmethod
    def _added_token(cls, v: Any) -> Any:
        # tokenizer_config.json may hold a token as an AddedToken object: {"content": "</s>", ...}.
        return v.get("content") if isinstance(v, dict) else v


@cache
def shipped_chat_template(model_id: str) -> ChatTemplate | None:
    """The shipped chat template of a model, or None when none is shipped."""
    path = TOKENIZERS_DIR / model_filename(model_id)
    return ChatTemplate.model_validate_json(path.read_text()) if path.exists() else None
