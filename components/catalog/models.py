"""Model catalog: architecture facts from a Hugging Face config.json, and parameter counts derived from them."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MODELS_DIR = Path(__file__).with_name("models")


class QuantizationConfig(BaseModel):
    """The parts of config.json's quantization_config that change weight size."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    quant_method: str
    bits: int | None = None
    group_size: int | None = None


class ModelArch(BaseModel):
    """Decoder-only transformer facts that memory sizing needs."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    model_type: str
    hidden_size: int = Field(gt=0)
    num_hidden_layers: int = Field(gt=0)
    num_attention_heads: int = Field(gt=0)
    num_key_value_heads: int | None = None
    head_dim: int | None = None
    intermediate_size: int = Field(gt=0)
    vocab_size: int = Field(gt=0)
    max_position_embeddings: int = Field(gt=0)
    num_local_experts: int | None = None
    num_experts_per_tok: int | None = None
    tie_word_embeddings: bool = False
    attention_bias: bool | None = None
    torch_dtype: str | None = None
    quantization_config: QuantizationConfig | None = None

    @property
    def kv_heads(self) -> int:
        return self.num_key_value_heads or self.num_attention_heads

    @property
    def dim_per_head(self) -> int:
        return self.head_dim or self.hidden_size // self.num_attention_heads

    @property
    def experts(self) -> int:
        return self.num_local_experts or 1

    @property
    def experts_per_token(self) -> int:
        return self.num_experts_per_tok or 1

    @property
    def qkv_bias(self) -> bool:
        # Qwen2 has q/k/v biases without saying so in config.json.
        return bool(self.attention_bias) or self.model_type == "qwen2"

    def param_counts(self) -> ParamCounts:
        """Parameters by kind, computed from the shapes (never typed in)."""
        h, d, layers = self.hidden_size, self.dim_per_head, self.num_hidden_layers
        q_out, kv_out = self.num_attention_heads * d, self.kv_heads * d
        attn = h * q_out + 2 * h * kv_out + q_out * h
        if self.qkv_bias:
            attn += q_out + 2 * kv_out
        # Every supported family uses a gated MLP (gate, up, down); MoE repeats it per expert plus a router.
        mlp = self.experts * 3 * h * self.intermediate_size
        router = h * self.experts if self.experts > 1 else 0
        norms = 2 * h
        embed = self.vocab_size * h
        head = 0 if self.tie_word_embeddings or self.model_type == "gemma" else self.vocab_size * h
        return ParamCounts(
            linear=layers * (attn + mlp),
            other=layers * (router + norms) + h + embed + head,
            embedding=embed + head,
        )

    @property
    def params(self) -> int:
        return self.param_counts().total


class ParamCounts(BaseModel):
    """Parameters split by how quantization treats them: linear layers vs. the rest (kept in 16 bit)."""

    linear: int
    other: int
    embedding: int

    @property
    def total(self) -> int:
        return self.linear + self.other


def model_filename(model_id: str) -> str:
    """The shipped file name of a model id (owner--name.json), in models/ and tokenizers/."""
    return model_id.replace("/", "--") + ".json"


def shipped_models() -> list[str]:
    """HF ids of the config.json files shipped with the package."""
    return sorted(p.stem.replace("--", "/") for p in MODELS_DIR.glob("*.json"))


def parse_config(raw: dict[str, Any], source: str) -> ModelArch:
    """Validate a config.json dict; ValueError names the source and the missing/bad fields."""
    try:
        return ModelArch.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) + f" ({e['msg']})" for e in exc.errors())
        raise ValueError(f"{source} is not a decoder config tgi-fleet can size: {fields}") from None


@cache
def load_model(model_id_or_path: str, token: str | None = None, revision: str | None = None,
               endpoint: str | None = None) -> ModelArch:
    """Architecture for a local config.json path, a shipped model id, or (online) any HF Hub model id.

    endpoint: the Hub to read from (a mirror; None: huggingface_hub's default).
    """
    path = Path(model_id_or_path)
    if path.suffix == ".json" and path.exists():
        return parse_config(json.loads(path.read_text()), str(path))
    shipped = MODELS_DIR / model_filename(model_id_or_path)
    if shipped.exists():
        return parse_config(json.loads(shipped.read_text()), f"{model_id_or_path} (shipped config.json)")
    return parse_config(_fetch_from_hub(model_id_or_path, token, revision, endpoint), f"{model_id_or_path} (HF Hub)")


HUB_PROBE_TIMEOUT_S = 5.0


def _unreachable(model_id: str, why: str) -> ValueError:
    return ValueError(
        f"model {model_id!r} is not shipped with tgi-fleet and the Hugging Face Hub {why}: "
        f"pass --model-config PATH/config.json (or set tgi-fleet:model.config_path), "
        f"or one of: {', '.join(shipped_models())}"
    )


def _fetch_from_hub(model_id: str, token: str | None, revision: str | None, endpoint: str | None) -> dict[str, Any]:
    from httpx2 import TransportError  # huggingface_hub's HTTP client
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    from components import http

    http.use_hub()
    if constants.HF_HUB_OFFLINE:
        raise _unreachable(model_id, "is off (HF_HUB_OFFLINE is set)")
    try:
        # One short attempt first: the download retries a missing network for ~25 s before it gives up.
        get_hf_file_metadata(hf_hub_url(model_id, "config.json", revision=revision, endpoint=endpoint), token=token,
                             timeout=HUB_PROBE_TIMEOUT_S, retry_on_errors=False)
        path = hf_hub_download(model_id, "config.json", revision=revision, token=token, endpoint=endpoint)
    except (TransportError, LocalEntryNotFoundError) as exc:
        raise _unreachable(model_id, f"cannot be reached ({exc})") from None
    except HfHubHTTPError as exc:
        raise ValueError(f"cannot read config.json of {model_id!r} from the Hugging Face Hub: {exc}") from None
    data: dict[str, Any] = json.loads(Path(path).read_text())
    return data
