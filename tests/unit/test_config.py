"""Stack config: valid stacks parse; every invalid value names the key, the value and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components.config import ConfigError
from components.engines import registry as engine_registry
from components.providers import registry
from components.stack import parse_config

ROOT = Path(__file__).resolve().parents[2]
BASE = {
    "tgi-fleet:provider": "salad",
    "tgi-fleet:model": json.dumps({"id": "mistralai/Mistral-7B-Instruct-v0.3"}),
    "tgi-fleet:gpu": json.dumps({"classes": ["RTX 4090 (24 GB)"]}),
}


def raw_from_stack(name: str) -> tuple[dict[str, str], frozenset[str]]:
    """A stack file's config as Pulumi hands it to the program (JSON text for objects)."""
    data = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]
    raw, secret = {}, set()
    for key, value in data.items():
        if isinstance(value, dict) and "secure" in value:
            raw[key], _ = "<decrypted>", secret.add(key)
        else:
            raw[key] = value if isinstance(value, str) else json.dumps(value)
    return raw, frozenset(secret)


SHIPPED = sorted(p.name.split(".")[1] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))
# gke-prod ships Google's DLC URI, which has no tag: it stops at preview until its digest is pinned.
UNPINNED = {"gke-prod"}


@pytest.mark.parametrize("stack", sorted(set(SHIPPED) - UNPINNED))
def test_shipped_stacks_are_valid(stack: str) -> None:
    raw, secret = raw_from_stack(stack)
    cfg = parse_config(raw, secret)
    assert cfg.model.id.count("/") == 1


@pytest.mark.parametrize("stack", sorted(UNPINNED))
def test_shipped_dlc_stack_asks_for_a_digest(stack: str) -> None:
    raw, secret = raw_from_stack(stack)
    with pytest.raises(ConfigError) as info:
        parse_config(raw, secret)
    assert "tgi-fleet:image = " in str(info.value) and "@sha256: digest" in str(info.value)
    raw["tgi-fleet:image"] += "@sha256:" + "0" * 64
    assert parse_config(raw, secret).provider == "kubernetes"


@pytest.mark.parametrize("image,problem", [
    ("ghcr.io/huggingface/text-generation-inference:3.3.0", None),
    ("localhost:5000/tgi:3.3.0", None),
    ("ghcr.io/huggingface/text-generation-inference@sha256:" + "a" * 64, None),
    ("localhost:5000/tgi", "no tag"),
    ("ghcr.io/huggingface/text-generation-inference", "no tag"),
    ("us-docker.pkg.dev/deeplearning-platform-release/gcr.io/"
     "huggingface-text-generation-inference-cu124.2-4.ubuntu2204.py311", "no tag"),
    ("ghcr.io/huggingface/text-generation-inference:latest", "latest"),
    ("localhost:5000/tgi:latest", "latest"),
])
def test_image_must_be_pinned(image: str, problem: str | None) -> None:
    if problem is None:
        assert parse_config({**BASE, "tgi-fleet:image": image}).image == image
        return
    msg = error_of({"tgi-fleet:image": image})
    assert f"tgi-fleet:image = {json.dumps(image)}: the image is not pinned" in msg and problem in msg, msg
    assert "Fix: a fixed tag" in msg


@pytest.mark.parametrize("serving,keys", [
    ({"max_input_tokens": 8000, "max_total_tokens": 4096}, ("serving.max_input_tokens (8000)",
                                                           "serving.max_total_tokens (4096)")),
    ({"max_input_tokens": 4096, "max_total_tokens": 4096}, ("serving.max_input_tokens (4096)",
                                                           "serving.max_total_tokens (4096)")),
    ({"max_input_tokens": 4000, "max_batch_prefill_tokens": 2048}, ("serving.max_batch_prefill_tokens (2048)",
                                                                   "serving.max_input_tokens (4000)")),
])
def test_token_limits_are_ordered(serving: dict[str, int], keys: tuple[str, str]) -> None:
    msg = error_of({"tgi-fleet:serving": json.dumps(serving)})
    assert all(k in msg for k in keys) and "Fix: " in msg, msg


def test_min_ready_replicas_above_replicas_names_both_keys() -> None:
    msg = error_of({"tgi-fleet:replicas": "2", "tgi-fleet:smoke": json.dumps({"min_ready_replicas": 3})})
    assert "tgi-fleet:smoke.min_ready_replicas (3) is more than tgi-fleet:replicas (2)" in msg, msg
    assert parse_config({**BASE, "tgi-fleet:replicas": "3",
                         "tgi-fleet:smoke": json.dumps({"min_ready_replicas": 3})}).smoke.min_ready_replicas == 3


def test_cross_checks_never_echo_the_config_or_its_secrets() -> None:
    msg = error_of({"tgi-fleet:gpu": "{}", "tgi-fleet:hf_token": "hf_very_secret_value"},
                   frozenset({"tgi-fleet:hf_token"}))
    assert "tgi-fleet:gpu: set gpu.classes" in msg and "hf_very_secret_value" not in msg, msg


def test_sizing_override_is_a_known_key() -> None:
    assert parse_config({**BASE, "tgi-fleet:sizing": json.dumps({"allow_unfit": True})}).sizing.allow_unfit
    assert not parse_config(BASE).sizing.allow_unfit


def test_defaults_and_types() -> None:
    cfg = parse_config({**BASE, "tgi-fleet:replicas": "5"})
    assert cfg.replicas == 5 and cfg.environment == "dev"
    assert registry.provider(cfg.provider).interruptible(cfg.settings)
    # Unset: the engine's pinned image (issue #26: TGI's, as before, for the default engine).
    assert cfg.engine == "tgi" and cfg.image is None
    assert engine_registry.engine(cfg.engine).image(cfg) == "ghcr.io/huggingface/text-generation-inference:3.3.0"


def error_of(raw: dict[str, str], secret: frozenset[str] = frozenset()) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config({**BASE, **raw}, secret)
    return str(info.value)


def test_bad_enum_names_key_value_and_fix() -> None:
    msg = error_of({"tgi-fleet:model": json.dumps({"id": "mistralai/Mistral-7B-Instruct-v0.3", "quantize": "int3"})})
    assert 'tgi-fleet:model.quantize = "int3"' in msg and "Fix: one of none, bitsandbytes" in msg


def test_replicas_zero() -> None:
    msg = error_of({"tgi-fleet:replicas": "0"})
    assert "tgi-fleet:replicas = 0" in msg and "Fix: replicas, 1..500" in msg


def test_unknown_key_suggests_the_right_one() -> None:
    assert "tgi-fleet:replica: unknown key. Fix: remove it (did you mean 'replicas'?)" in error_of(
        {"tgi-fleet:replica": "3"})


def test_nested_unknown_key() -> None:
    msg = error_of({"tgi-fleet:serving": json.dumps({"max_total_token": 4096})})
    assert "tgi-fleet:serving.max_total_token: unknown key" in msg and "max_total_tokens" in msg


def test_secret_in_plain_config_is_refused_without_echoing_it() -> None:
    msg = error_of({"tgi-fleet:salad_api_key": "very-secret-key"})
    assert "tgi-fleet:salad_api_key is set in plain text" in msg and "--secret" in msg
    assert "very-secret-key" not in msg


def test_secret_values_are_never_echoed_in_validation_errors() -> None:
    msg = error_of({"tgi-fleet:hf_token": json.dumps({"not": "a string"})}, frozenset({"tgi-fleet:hf_token"}))
    assert "tgi-fleet:hf_token = <secret>" in msg and "not" not in msg.split("<secret>")[1].split("\n")[0][:20]


def test_model_id_shape_and_missing_model() -> None:
    assert "tgi-fleet:model.id" in error_of({"tgi-fleet:model": json.dumps({"id": "mistral"})})
    msg = error_of({"tgi-fleet:model": ""})
    assert "tgi-fleet:model" in msg


def test_gpu_request_needs_something() -> None:
    assert "gpu: set gpu.classes, gpu.min_vram_gb or gpu.name" in error_of({"tgi-fleet:gpu": "{}"})


def test_aws_source_needs_secret_id() -> None:
    msg = error_of({"tgi-fleet:secrets": json.dumps({"hf_token_source": "aws"})})
    assert "hf_token_aws_secret_id" in msg


def test_salad_names_follow_the_api_pattern() -> None:
    msg = error_of({"tgi-fleet:salad": json.dumps({"organization": "My_Org"})})
    assert 'tgi-fleet:salad.organization = "My_Org"' in msg and "a-z" in msg


def test_all_problems_reported_at_once() -> None:
    msg = error_of({"tgi-fleet:replicas": "0", "tgi-fleet:environment": "staging"})
    assert "tgi-fleet:replicas" in msg and "tgi-fleet:environment" in msg


def test_unregistered_provider_lists_the_registered_ones() -> None:
    msg = error_of({"tgi-fleet:provider": "kubernetis"})
    assert "tgi-fleet:provider = \"kubernetis\": unknown provider 'kubernetis' (did you mean 'kubernetes'?)" in msg
    assert "Fix: use one of local, salad, kubernetes, docker" in msg


def test_another_providers_section_is_an_error() -> None:
    msg = error_of({"tgi-fleet:kubernetes": json.dumps({"render_dir": "out"})})
    assert ("tgi-fleet:kubernetes: settings of the kubernetes provider, but tgi-fleet:provider is 'salad'. Fix: "
            "remove tgi-fleet:kubernetes, or set tgi-fleet:provider to kubernetes.") in msg


def test_the_providers_section_is_validated_by_its_own_model() -> None:
    msg = error_of({"tgi-fleet:salad": json.dumps({"priority": "urgent", "organisation": "x"})})
    assert 'tgi-fleet:salad.priority = "urgent"' in msg and "Fix: high, medium, low or batch" in msg
    assert "tgi-fleet:salad.organisation: unknown key. Fix: remove it (did you mean 'organization'?)" in msg
    assert "did you mean 'salad'?" in error_of({"tgi-fleet:slad": json.dumps({})})


def test_blue_green_drain_is_validated() -> None:
    """Issue #27 item 8: the old group's drain after the new endpoint is published (tgi-fleet:salad.drain_s)."""
    def salad(**section: object) -> str:
        return json.dumps(section)

    assert parse_config(BASE).settings.drain_s == 60  # type: ignore[attr-defined]
    cfg = parse_config({**BASE, "tgi-fleet:salad": salad(update_strategy="blue-green", drain_s=5)})
    assert cfg.settings.drain_s == 5  # type: ignore[attr-defined]
    msg = error_of({"tgi-fleet:salad": salad(update_strategy="blue-green", drain_s=-1)})
    assert "tgi-fleet:salad.drain_s = -1" in msg and "Fix: blue-green: seconds the old group keeps serving" in msg
    assert "tgi-fleet:salad.drain_s = 7200" in error_of({"tgi-fleet:salad": salad(update_strategy="blue-green",
                                                                                      drain_s=7200)})
    msg = error_of({"tgi-fleet:salad": salad(drain_s=30)})
    assert ("tgi-fleet:salad: drain_s applies to the blue-green strategy only (an in-place update keeps one group). "
            "Fix: remove salad.drain_s, or set salad.update_strategy: blue-green.") in msg


# Issue #27 item 9: bad input the program catches at preview, naming the key and the fix.
def test_prod_without_gateway_auth_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"gateway\.auth.*environment 'prod'.*Fix: set gateway\.auth: true"):
        parse_config({**BASE, "tgi-fleet:environment": "prod", "tgi-fleet:gateway": json.dumps({"auth": False})})


@pytest.mark.parametrize(("name", "key"), [
    ("MAX_TOTAL_TOKENS", "serving.max_total_tokens"),
    ("MODEL_ID", "model.id"),
    ("num_shard", "serving.num_shard"),
])
def test_extra_env_may_not_override_what_the_plan_sets(name: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"extra_env\.{name} overrides .*Fix: remove extra_env\.{name} and set "
                                          rf"{key}"):
        parse_config({**BASE, "tgi-fleet:extra_env": json.dumps({name: "1"})})


@pytest.mark.parametrize(("name", "key"), [("HF_TOKEN", "hf_token"), ("API_KEY", "api_key")])
def test_extra_env_may_not_carry_secrets_in_plain_text(name: str, key: str) -> None:
    secret = rf"extra_env\.{name} is set in plain text, and it is a secret.*--secret {key}"
    with pytest.raises(ConfigError, match=secret) as err:
        parse_config({**BASE, "tgi-fleet:extra_env": json.dumps({name: "hf_realtokenvalue"})})
    assert "hf_realtokenvalue" not in str(err.value)


def test_numeric_extra_env_values_become_text() -> None:
    # `pulumi config set --path extra_env.PAYLOAD_LIMIT 4000000` stores the number 4000000.
    cfg = parse_config({**BASE, "tgi-fleet:extra_env": json.dumps({"PAYLOAD_LIMIT": 4000000, "X_FLAG": True})})
    assert cfg.extra_env == {"PAYLOAD_LIMIT": "4000000", "X_FLAG": "true"}


@pytest.mark.parametrize("url", ["huggingface.co", "ftp://hub.example", "https://127.0.0.1:3000@hub.example",
                                 "http://"])
def test_malformed_hf_endpoint_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match=r"tgi-fleet:secrets\.hf_endpoint = .*Fix: the Hugging Face Hub URL"):
        parse_config({**BASE, "tgi-fleet:secrets": json.dumps({"hf_endpoint": url})})


def salad(section: dict[str, object]) -> dict[str, str]:
    return {**BASE, "tgi-fleet:salad": json.dumps(section)}


def test_unknown_country_code_is_caught_with_a_suggestion() -> None:
    # SaladCloud's OpenAPI spec enumerates the accepted codes (ContainerGroupPrototype.country_codes).
    with pytest.raises(ConfigError, match=r"tgi-fleet:salad\.country_codes = .*: .zz. is not a SaladCloud") as e:
        parse_config(salad({"country_codes": ["us", "zz"]}))
    assert len(str(e.value)) < 600  # not the ~250 codes
    with pytest.raises(ConfigError, match=r"did you mean 'us'"):
        parse_config(salad({"country_codes": ["US"]}))
    assert parse_config(salad({"country_codes": ["us", "ca"]})).settings.country_codes == ["us", "ca"]


@pytest.mark.parametrize(("key", "value"), [
    ("base_url", "api.salad.com/api/public"), ("base_url", "https://127.0.0.1:5000@api.salad.com"),
    ("gateway_address", "127.0.0.1"), ("gateway_address", "http://127.0.0.1:80"),
])
def test_malformed_salad_urls_are_refused(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"tgi-fleet:salad\.{key} = .*Fix: "):
        parse_config(salad({key: value}))


@pytest.mark.parametrize("url", ["localhost:3000", "https://127.0.0.1:3000@sky.dstack.ai"])
def test_malformed_dstack_server_url_names_the_key(url: str) -> None:
    # httpx connects to the host after the userinfo '@': sky.dstack.ai, not 127.0.0.1.
    raw = {**BASE, "tgi-fleet:provider": "dstack", "tgi-fleet:dstack": json.dumps({"server_url": url})}
    with pytest.raises(ConfigError, match=r"tgi-fleet:dstack\.server_url = .*Fix: the dstack"):
        parse_config(raw)
