"""Build the tiny Llama the real-engine tests and the vLLM demo serve, with no download: a Hugging Face cache entry.

Run it with the engine venv's Python (it needs torch, transformers and tokenizers):

    .venv-vllm/bin/python scripts/tiny_model.py --hf-home DIR

writes DIR/hub/models--tgi-fleet--tiny-llama/{blobs,snapshots/<rev>,refs/main} exactly as `huggingface-cli download`
leaves a warm node's cache, so an engine started with HF_HOME=DIR and HF_HUB_OFFLINE=1 loads `--model
tgi-fleet/tiny-llama` by its Hub id. The model is a 2-layer Llama with random bf16 weights and a byte-level BPE
tokenizer trained here: its answers are random tokens, while shapes, streaming, usage counts, limits and errors are
the engine's own. Deterministic (seeded): the same script gives the same files and the same revision. A second run
with the cache in place does nothing (it prints the snapshot and exits before importing torch).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

MODEL_ID = "tgi-fleet/tiny-llama"
SEED = 0
VOCAB_SIZE = 512
SPECIAL = ["<unk>", "<s>", "</s>"]  # ids 0, 1, 2: Llama's own order
# head_dim 64: vLLM's CPU attention refuses small heads ("Unsupported CPU attention configuration" at head_dim 16).
LLAMA = {"hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "head_dim": 64, "max_position_embeddings": 2048, "vocab_size": VOCAB_SIZE,
         "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": False}
CHAT_TEMPLATE = ("{% for message in messages %}<s>{{ message['role'] }}\n{{ message['content'] }}</s>\n{% endfor %}"
                 "{% if add_generation_prompt %}<s>assistant\n{% endif %}")
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Text generation servers answer chat completions, streamed and not.",
    "What is deep learning? Deep learning is a kind of machine learning with neural networks.",
    "Hello! How are you today? I am fine, thank you.",
    "A GPU holds the weights, the KV cache and the activations of a forward pass.",
    "0123456789 + - * / = ( ) [ ] { } < > , . ; : ! ? ' \" \n",
] * 8


def spec_hash() -> str:
    """What the files depend on: this script's settings (a change rebuilds the cache entry)."""
    spec = {"id": MODEL_ID, "seed": SEED, "llama": LLAMA, "special": SPECIAL, "template": CHAT_TEMPLATE,
            "corpus": CORPUS, "format": 1}
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def repo_dir(hf_home: Path) -> Path:
    """The cache folder of MODEL_ID under HF_HOME (huggingface_hub's layout: hub/models--{org}--{name})."""
    return hf_home / "hub" / ("models--" + MODEL_ID.replace("/", "--"))


def snapshot(hf_home: Path) -> Path | None:
    """The snapshot folder refs/main names when it is complete and built from these settings, else None."""
    repo = repo_dir(hf_home)
    try:
        rev = (repo / "refs" / "main").read_text().strip()
    except OSError:
        return None
    snap = repo / "snapshots" / rev
    stamp = repo / ".tgi-fleet-spec"
    ok = stamp.is_file() and stamp.read_text().strip() == spec_hash() and (snap / "config.json").is_file()
    return snap if ok else None


def _write_model(out: Path) -> None:
    """The tokenizer and the model, save_pretrained into `out`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # setup's output stays one line per step

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, special_tokens=SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   chat_template=CHAT_TEMPLATE, model_max_length=LLAMA["max_position_embeddings"])
    fast.save_pretrained(out)

    torch.manual_seed(SEED)
    config = LlamaConfig(**LLAMA, torch_dtype="bfloat16")
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)


def build(hf_home: Path) -> Path:
    """Write the cache entry (blobs named by content, snapshot links, refs/main) and return the snapshot folder."""
    done = snapshot(hf_home)
    if done is not None:
        return done
    repo = repo_dir(hf_home)
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        _write_model(files)
        digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files.iterdir()) if p.is_file()}
        # The revision stands for a commit: one hash of every file's name and content, so equal files, equal rev.
        rev = hashlib.sha1(json.dumps(digests, sort_keys=True).encode()).hexdigest()
        if repo.exists():
            shutil.rmtree(repo)
        (repo / "blobs").mkdir(parents=True)
        snap = repo / "snapshots" / rev
        snap.mkdir(parents=True)
        for name, digest in digests.items():
            shutil.copyfile(files / name, repo / "blobs" / digest)
            os.symlink(Path("..", "..", "blobs", digest), snap / name)
    (repo / "refs").mkdir()
    (repo / ".tgi-fleet-spec").write_text(spec_hash() + "\n")
    (repo / "refs" / "main").write_text(rev)  # last: a cache entry with refs/main is a complete one
    return snap


def main(argv: list[str] | None = None) -> int:
    """Build (or find) the cache entry and print its snapshot folder."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hf-home", type=Path, required=True, help="the HF_HOME the engine will be started with")
    args = p.parse_args(argv)
    print(build(args.hf_home.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
