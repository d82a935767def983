#!/usr/bin/python3
"""PyTorch peer of our training step: the same LoRA (or full) step on the same fixture, timed, and checked against
the values our engine wrote.

Run with Debian's interpreter, /usr/bin/python3 (install-peer.sh installs python3-torch and OpenBLAS; a python3 found
first on PATH, such as a pyenv one, has no torch):
    /usr/bin/python3 deploy/bench/peer_torch.py --fixture DIR --threads 2 --warmup 2 --reps 5 --mode lora --out p.json

DIR is a fixture that BenchFixture (lora-core tests) writes: model/ (Hugging Face LLaMA-family or GPT-2 layout, F32
safetensors), adapter/
(PEFT LoRA), batch.json and reference.json (our loss_sum and adapter gradient norm on that batch, dropout 0).

What is timed, and why the comparison is fair:
- Same inputs: model weights, adapter and batch are read from the fixture files our engine reads; nothing is random.
- Same function: HF LLaMA as our LlamaBody builds it (RMSNorm, rotary with rotate_half, causal attention with
  grouped-query heads, SwiGLU MLP, final norm, lm_head or tied embeddings) with h = W0·x + (alpha/r)·B·A·x on the
  adapted modules (alpha/sqrt(r) with use_rslora), and the same loss: summed token cross-entropy over the targets that
  are not -1 (a sum, not a mean). Dropout 0 as in reference.json. Each op is the one a PyTorch user would write (as
  transformers' eager LlamaAttention does); where our graph works around an ND4J limitation (one-hot products instead
  of gather, a matmul for rotate_half), the peer does not copy the workaround, since its cost is ours to remove.
  GPT-2 as transformers' GPT2LMHeadModel computes it: token + learned position embeddings (wte, wpe), pre-LayerNorm
  blocks with layer_norm_epsilon, the fused c_attn (Conv1D: x·W + b with W stored [in, out]) split into q, k, v,
  causal softmax attention scaled by 1/sqrt(head_dim) with masked scores set to float32's minimum, c_proj, c_fc,
  gelu_new (the tanh approximation, NewGELUActivation's formula), mlp.c_proj, ln_f and the head tied to wte; the
  adapter on c_attn follows PEFT's fan_in_fan_out (A [r, in], B [out, r] applied to x as on any linear).
- Same precision and mode: fp32, eager. No torch.compile: Debian's torch is 1.13, which has none (it came with 2.0).
- Same threads: torch.set_num_threads(N) for torch's OpenMP pool, torch.set_num_interop_threads(1), and
  OPENBLAS_NUM_THREADS=N (torch does not pass its count to OpenBLAS) set before torch loads; the output reports the
  BLAS actually mapped into the process, its thread count, and the thread-related environment. By default the BLAS is
  Debian's pthread OpenBLAS, which keeps its own thread pool beside torch's OpenMP one, as ND4J's bundled pthread
  OpenBLAS does beside libnd4j's OpenMP loops; --openblas openmp loads the build that shares torch's pool instead.
  With N equal to the core count, both pools spin-wait for work; on a machine that other processes load, that costs
  an order of magnitude (a descheduled thread stalls every parallel region): compare runs only at equal load and
  equal OMP_WAIT_POLICY, which the output records.
- Same step: our timed step (CausalLmGraph.forwardBackward) is forward + backward producing gradients of the trainable
  parameters, no optimizer update; so is this one (gradients reset, forward, loss, backward). No AdamW step on either
  side. Our step also builds its one-hot target placeholders inside the timed region; the peer's token tensors are
  built once before it, as any PyTorch training loop would (data loading is not part of a step).
- Same trainable set: lora mode freezes every base weight (requires_grad=False, so autograd skips their gradients as
  our graph does with constants) and trains A and B; full mode trains every base weight, with no LoRA: the adapter is
  merged into W0 (W = W0 + scale·B·A, transposed for GPT-2's [in, out] weights), which is the same function, so the loss is still checked against reference.json.
- Timing: time.perf_counter around each step, W warm-up steps excluded, median of R.
- Checked: loss_sum and the global L2 norm of the adapter gradient must equal reference.json (relative difference
  warned above 1e-3, exit status 2 above 1e-2). In full mode the adapter gradient is recovered from the merged
  weights' gradient G = dL/dW [out, in] (the transpose of GPT-2's) by the chain rule: dL/dA = scale·Bᵀ·G,
  dL/dB = scale·G·Aᵀ.
- Memory: peak_rss_bytes is the process's VmHWM, read as StepBench reads ours; the weights are read one tensor at a
  time, so the file is never held beside them.
"""
import argparse
import json
import math
import os
import re
import statistics
import struct
import sys
import time

import blas_probe

WARN_REL = 1e-3
FAIL_REL = 1e-2
IGNORE = -1  # TokenBatch.IGNORE: a position that predicts nothing
FAMILIES = {"llama": "llama", "mistral": "llama", "qwen2": "llama", "gpt2": "gpt2"}  # model_type → implementation
ADAPTER_KEY = re.compile(r"^base_model\.model\.(?P<path>.+)\.lora_(?P<which>[AB])\.weight$")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixture", required=True, help="fixture directory written by BenchFixture")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--mode", choices=("lora", "full"), default="lora")
    ap.add_argument("--openblas", choices=tuple(blas_probe.OPENBLAS_BUILDS), default="system",
                    help="Debian OpenBLAS build to load (default: the system's libblas.so.3)")
    ap.add_argument("--out", help="JSON file to write")
    ap.add_argument("--serve", action="store_true",
                    help="take turns with another program (deploy/bench/pair.py): after the warm-up print 'ready', then "
                         "run one timed step per 'step' line on stdin and answer 'step SECONDS', until stdin ends "
                         "(--reps is ignored)")
    ap.add_argument("--profile", action="store_true",
                    help="after the timed steps, run two more under torch.profiler and print time per op, to set beside "
                         "StepProfile's parts")
    args = ap.parse_args()
    if args.threads < 1 or args.reps < 1 or args.warmup < 0:
        ap.error("--threads and --reps must be at least 1, --warmup at least 0")
    return args


if __name__ == "__main__":
    ARGS = parse_args()
    blas_probe.pin_threads(ARGS.threads, ARGS.openblas)  # before torch loads OpenBLAS and libgomp; may re-execute this script

try:  # after pin_threads on purpose
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.exit(f"{e}: run with Debian's /usr/bin/python3 after deploy/bench/install-peer.sh ({sys.executable} lacks it)")

# ---------------------------------------------------------------------------------------------------------- files

_NUMPY_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "BF16": "<u2"}


def read_safetensors(path):
    """name → float32 numpy array. The format: u64 little-endian header length, JSON header, then the raw data.
    Read tensor by tensor, so the process never holds the whole file beside the arrays (its peak RSS is the model's)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise ValueError(f"{path}: {size} bytes, too short for a safetensors header length")
        (header_len,) = struct.unpack("<Q", prefix)
        if header_len > size - 8:
            raise ValueError(f"{path}: header length {header_len} runs past the end of the {size}-byte file")
        header = json.loads(f.read(header_len))
        body_start, body_len = 8 + header_len, size - 8 - header_len
        tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
            if dtype not in _NUMPY_DTYPES:
                raise ValueError(f"{path}: tensor {name} has dtype {dtype}; supported: {', '.join(_NUMPY_DTYPES)}")
            itemsize = np.dtype(_NUMPY_DTYPES[dtype]).itemsize
            count = math.prod(shape)
            if not 0 <= begin <= end <= body_len or end - begin != count * itemsize:
                raise ValueError(f"{path}: tensor {name} {dtype}{shape} has data offsets [{begin}, {end}) that do not "
                                 f"fit {count * itemsize} bytes inside the {body_len}-byte data section")
            f.seek(body_start + begin)
            raw = np.fromfile(f, dtype=_NUMPY_DTYPES[dtype], count=count)
            if dtype == "BF16":  # the high half of a float32
                raw = (raw.astype(np.uint32) << 16).view(np.float32)
            tensors[name] = raw.astype(np.float32, copy=False).reshape(shape)  # its own, writable array
    return tensors


def proc_status_bytes(field):
    """A field of /proc/self/status in bytes (VmHWM: peak resident set, VmRSS: current), as our StepBench reads it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def read_json(path):
    with open(path) as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------------------- model

class Fixture:
    """Config, base weights, adapter and batch of a fixture directory, checked against each other."""

    def __init__(self, directory):
        self.config = c = read_json(os.path.join(directory, "model", "config.json"))
        self.family = FAMILIES.get(c.get("model_type"))
        if self.family is None:
            raise ValueError(f"model_type {c.get('model_type')!r}: the peer implements {', '.join(FAMILIES)}")
        if self.family == "llama" and (c.get("rope_scaling") or c.get("hidden_act", "silu") != "silu"):
            raise ValueError("config.json: rope_scaling and activations other than silu are not implemented by the peer")
        if self.family == "gpt2" and (c.get("activation_function", "gelu_new") not in ("gelu_new", "gelu_pytorch_tanh")
                                      or c.get("scale_attn_by_inverse_layer_idx") or c.get("reorder_and_upcast_attn")
                                      or c.get("scale_attn_weights", True) is not True):
            raise ValueError("config.json: GPT-2 with an activation other than gelu_new (tanh), or with "
                             "scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn or unscaled attention weights, "
                             "is not implemented by the peer")
        self.weights = read_safetensors(os.path.join(directory, "model", "model.safetensors"))
        self.adapter_config = read_json(os.path.join(directory, "adapter", "adapter_config.json"))
        self.lora = self._read_adapter(os.path.join(directory, "adapter", "adapter_model.safetensors"))
        self.reference = read_json(os.path.join(directory, "reference.json"))
        batch = read_json(os.path.join(directory, "batch.json"))
        self.rows, self.seq_len = batch["rows"], batch["seq_len"]
        vocab = self.config["vocab_size"]
        self.tokens = np.asarray(batch["tokens"], dtype=np.int64).reshape(self.rows, self.seq_len)  # [B, T]
        self.targets = np.asarray(batch["targets"], dtype=np.int64).reshape(self.rows, self.seq_len)  # [B, T]
        if self.tokens.min() < 0 or self.tokens.max() >= vocab:
            raise ValueError(f"batch.json: a token id is outside the vocabulary of {vocab}")
        counted = self.targets[self.targets != IGNORE]
        if counted.size and (counted.min() < 0 or counted.max() >= vocab):
            raise ValueError(f"batch.json: a target id is outside the vocabulary of {vocab}")
        self.loss_tokens = int(counted.size)

    def _read_adapter(self, path):
        """module path (e.g. model.layers.0.self_attn.q_proj) → (A [r, in], B [out, r])."""
        cfg = self.adapter_config
        if cfg.get("use_dora") or cfg.get("rank_pattern") or cfg.get("alpha_pattern"):
            raise ValueError("adapter_config.json: DoRA and per-module rank/alpha patterns are not supported by the peer")
        # fan_in_fan_out: the base weight is stored [in, out] (GPT-2's Conv1D); A and B keep their usual shapes
        conv1d = self.family == "gpt2"
        if bool(cfg.get("fan_in_fan_out")) != conv1d:
            raise ValueError(f"adapter_config.json: fan_in_fan_out {cfg.get('fan_in_fan_out')} does not fit "
                             f"model_type {self.config['model_type']} (true exactly for GPT-2's Conv1D weights)")
        r, alpha = cfg["r"], cfg["lora_alpha"]
        self.scale = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
        parts = {}
        for key, value in read_safetensors(path).items():
            m = ADAPTER_KEY.match(key)
            if m is None:
                raise ValueError(f"{path}: {key} is not a PEFT LoRA weight name")
            parts.setdefault(m["path"], {})[m["which"]] = value
        targets = set(cfg["target_modules"])
        lora = {}
        for module, ab in sorted(parts.items()):
            w = self.weights.get(module + ".weight")
            if w is None or set(ab) != {"A", "B"}:
                raise ValueError(f"{path}: {module} needs lora_A and lora_B and a base weight {module}.weight")
            a, b = ab["A"], ab["B"]
            out_features, in_features = w.shape[::-1] if conv1d else w.shape
            if a.shape != (r, in_features) or b.shape != (out_features, r):
                raise ValueError(f"{path}: {module} A{list(a.shape)} B{list(b.shape)} do not fit "
                                 f"W{list(w.shape)} with r = {r}")
            if module.rsplit(".", 1)[-1] not in targets:
                raise ValueError(f"{path}: {module} is not among target_modules {sorted(targets)}")
            lora[module] = (a, b)
        if not lora:
            raise ValueError(f"{path}: no LoRA weights")
        return lora


class Llama:
    """HF LLaMA as plain tensors and functional ops. Activations are [B, T, features]; weights [out, in]."""

    def __init__(self, fx, mode):
        c = fx.config
        self.layers = c["num_hidden_layers"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.head_dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c["rms_norm_eps"]
        self.scale = fx.scale
        t = fx.seq_len

        weights = dict(fx.weights)
        if mode == "full":  # no LoRA: the adapter merged into W0 is the same function, with every weight trainable
            for module, (a, b) in fx.lora.items():
                name = module + ".weight"
                merged = weights[name].astype(np.float64) + self.scale * (b.astype(np.float64) @ a)  # [out, in]
                weights[name] = merged.astype(np.float32)
        self.w = {name: torch.from_numpy(v).requires_grad_(mode == "full") for name, v in weights.items()}
        if c.get("tie_word_embeddings"):
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]  # one tensor: one gradient, as tied
        elif "lm_head.weight" not in self.w:
            raise ValueError("model.safetensors has no lm_head.weight and tie_word_embeddings is false")
        self.lora = {}
        if mode == "lora":
            self.lora = {m: (torch.from_numpy(a).requires_grad_(True), torch.from_numpy(b).requires_grad_(True))
                         for m, (a, b) in fx.lora.items()}
        # The adapter as fixed tensors, in full mode only to recover its gradient from the merged weights'.
        self.adapter = {m: (torch.from_numpy(a), torch.from_numpy(b)) for m, (a, b) in fx.lora.items()}

        # Rotary tables as our Rotary builds them: inv_freq rounded to float32, angle = pos·inv_freq in float32.
        half = self.head_dim // 2
        inv_freq = (1.0 / c.get("rope_theta", 10000.0) ** (np.arange(half) * 2.0 / self.head_dim)).astype(np.float32)
        angle = np.arange(t, dtype=np.float32)[:, None] * inv_freq[None, :]  # [T, D/2], float32
        angle = np.concatenate([angle, angle], axis=1).astype(np.float64)  # [T, D]: same frequencies in both halves
        self.cos = torch.from_numpy(np.cos(angle).astype(np.float32))  # [T, D]
        self.sin = torch.from_numpy(np.sin(angle).astype(np.float32))  # [T, D]

        # Additive causal mask [T, T]: key j visible from query i when j <= i (and within a sliding window if any).
        i, j = np.arange(t)[:, None], np.arange(t)[None, :]
        visible = j <= i
        window = c.get("sliding_window") if c.get("use_sliding_window", True) else None
        if window:
            visible &= i - j < window
        self.mask = torch.from_numpy(np.where(visible, 0.0, -np.inf).astype(np.float32))

    def trainable(self):
        if self.lora:
            return [p for ab in self.lora.values() for p in ab]
        unique = {id(p): p for p in self.w.values()}  # tied embeddings: once
        return list(unique.values())

    def linear(self, x, module):
        """x: [B, T, in] → [B, T, out]: W0·x (+ b) (+ scale·B·A·x on adapted modules)."""
        y = F.linear(x, self.w[module + ".weight"], self.w.get(module + ".bias"))
        if module in self.lora:
            a, b = self.lora[module]  # [r, in], [out, r]
            y = y + self.scale * F.linear(F.linear(x, a), b)  # [B, T, r] → [B, T, out]
        return y

    def rms_norm(self, x, name):
        """x: [B, T, H] → [B, T, H]."""
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w[name]

    def rotate(self, x):
        """x: [B, heads, T, D] → x·cos + rotate_half(x)·sin, rotate_half(x) = cat(-x[D/2:], x[:D/2])."""
        x1, x2 = x.chunk(2, dim=-1)  # [B, heads, T, D/2] each
        return x * self.cos + torch.cat((-x2, x1), dim=-1) * self.sin

    def attention(self, x, p):
        """x: [B, T, H] → [B, T, H]."""
        bsz, t, _ = x.shape
        d = self.head_dim
        q = self.linear(x, p + "q_proj").view(bsz, t, self.heads, d).transpose(1, 2)  # [B, Hq, T, D]
        k = self.linear(x, p + "k_proj").view(bsz, t, self.kv_heads, d).transpose(1, 2)  # [B, Hkv, T, D]
        v = self.linear(x, p + "v_proj").view(bsz, t, self.kv_heads, d).transpose(1, 2)  # [B, Hkv, T, D]
        q, k = self.rotate(q), self.rotate(k)
        group = self.heads // self.kv_heads
        if group > 1:  # query heads h·G .. h·G+G-1 share key/value head h, as transformers' repeat_kv
            k = k.repeat_interleave(group, dim=1)  # [B, Hq, T, D]
            v = v.repeat_interleave(group, dim=1)  # [B, Hq, T, D]
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + self.mask  # [B, Hq, T, T]
        context = torch.softmax(scores, dim=-1) @ v  # [B, Hq, T, D]
        return self.linear(context.transpose(1, 2).reshape(bsz, t, self.heads * d), p + "o_proj")

    def loss_sum(self, tokens, targets):
        """tokens, targets: [B, T] → summed cross-entropy over the targets that are not IGNORE (scalar)."""
        x = F.embedding(tokens, self.w["model.embed_tokens.weight"])  # [B, T, H]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            x = x + self.attention(self.rms_norm(x, p + "input_layernorm.weight"), p + "self_attn.")
            n = self.rms_norm(x, p + "post_attention_layernorm.weight")
            gated = F.silu(self.linear(n, p + "mlp.gate_proj")) * self.linear(n, p + "mlp.up_proj")  # [B, T, I]
            x = x + self.linear(gated, p + "mlp.down_proj")  # [B, T, H]
        logits = F.linear(self.rms_norm(x, "model.norm.weight"), self.w["lm_head.weight"])  # [B, T, V]
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE, reduction="sum")

    def adapter_grad_norm(self):
        """Global L2 norm of dL/dA and dL/dB over all adapted modules, in float64."""
        squares = 0.0
        for module, (a, b) in (self.lora or self.adapter).items():
            if self.lora:
                grads = (a.grad.double(), b.grad.double())
            else:  # W = W0 + s·B·A, so dL/dA = s·Bᵀ·G and dL/dB = s·G·Aᵀ with G = dL/dW [out, in]
                g = self.w[module + ".weight"].grad.double()
                grads = (self.scale * b.double().t() @ g, self.scale * g @ a.double().t())  # [r, in], [out, r]
            squares += sum(float(x.pow(2).sum()) for x in grads)
        return math.sqrt(squares)


class Gpt2:
    """HF GPT-2 (GPT2LMHeadModel) as plain tensors and functional ops. Activations are [B, T, features]; Conv1D
    weights are stored [in, out] and applied as x·W + b (torch.addmm, as transformers' Conv1D)."""

    def __init__(self, fx, mode):
        c = fx.config
        self.layers = c["n_layer"]
        self.heads = c["n_head"]
        self.hidden = c["n_embd"]
        self.head_dim = self.hidden // self.heads
        self.eps = c.get("layer_norm_epsilon", 1e-5)
        self.scale = fx.scale
        t = fx.seq_len
        if t > c["n_positions"]:
            raise ValueError(f"rows of {t} tokens exceed n_positions {c['n_positions']}")

        weights = dict(fx.weights)
        if mode == "full":  # the adapter merged into W0 [in, out]: W = W0 + scale·(B·A)ᵀ
            for module, (a, b) in fx.lora.items():
                name = module + ".weight"
                merged = weights[name].astype(np.float64) + self.scale * (b.astype(np.float64) @ a).T  # [in, out]
                weights[name] = merged.astype(np.float32)
        self.w = {name: torch.from_numpy(v).requires_grad_(mode == "full") for name, v in weights.items()}
        if c.get("tie_word_embeddings", True):
            self.w["lm_head.weight"] = self.w["transformer.wte.weight"]  # one tensor: one gradient, as tied
        elif "lm_head.weight" not in self.w:
            raise ValueError("model.safetensors has no lm_head.weight and tie_word_embeddings is false")
        self.lora = {}
        if mode == "lora":
            self.lora = {m: (torch.from_numpy(a).requires_grad_(True), torch.from_numpy(b).requires_grad_(True))
                         for m, (a, b) in fx.lora.items()}
        self.adapter = {m: (torch.from_numpy(a), torch.from_numpy(b)) for m, (a, b) in fx.lora.items()}
        self.positions = torch.arange(t)  # [T]
        # transformers' GPT2Attention: masked scores are replaced by the dtype's minimum (torch.where), not -inf
        self.causal = torch.ones(t, t, dtype=torch.bool).tril()  # [T, T]: key j visible from query i when j <= i
        self.masked = torch.tensor(torch.finfo(torch.float32).min)

    trainable = Llama.trainable

    def conv1d(self, x, module):
        """x: [B, T, in] → [B, T, out]: x·W0 + b (+ scale·B·A·x on adapted modules, PEFT's fan_in_fan_out)."""
        w = self.w[module + ".weight"]  # [in, out]
        y = torch.addmm(self.w[module + ".bias"], x.reshape(-1, x.shape[-1]), w).view(*x.shape[:-1], w.shape[1])
        if module in self.lora:
            a, b = self.lora[module]  # [r, in], [out, r]
            y = y + self.scale * F.linear(F.linear(x, a), b)  # [B, T, r] → [B, T, out]
        return y

    def layer_norm(self, x, prefix):
        return F.layer_norm(x, (self.hidden,), self.w[prefix + ".weight"], self.w[prefix + ".bias"], self.eps)

    @staticmethod
    def gelu_new(x):
        """transformers' NewGELUActivation: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³)))."""
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

    def attention(self, x, p):
        """x: [B, T, H] → [B, T, H]: fused c_attn split into q, k, v; causal softmax attention; c_proj."""
        bsz, t, _ = x.shape
        q, k, v = self.conv1d(x, p + "c_attn").split(self.hidden, dim=2)  # [B, T, H] each
        q, k, v = (z.view(bsz, t, self.heads, self.head_dim).transpose(1, 2) for z in (q, k, v))  # [B, heads, T, D]
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)  # [B, heads, T, T]
        scores = torch.where(self.causal, scores, self.masked)
        context = torch.softmax(scores, dim=-1) @ v  # [B, heads, T, D]
        return self.conv1d(context.transpose(1, 2).reshape(bsz, t, self.hidden), p + "c_proj")

    def loss_sum(self, tokens, targets):
        """tokens, targets: [B, T] → summed cross-entropy over the targets that are not IGNORE (scalar)."""
        x = F.embedding(tokens, self.w["transformer.wte.weight"]) + F.embedding(self.positions,
                                                                              self.w["transformer.wpe.weight"])
        for i in range(self.layers):
            p = f"transformer.h.{i}."
            x = x + self.attention(self.layer_norm(x, p + "ln_1"), p + "attn.")
            m = self.gelu_new(self.conv1d(self.layer_norm(x, p + "ln_2"), p + "mlp.c_fc"))  # [B, T, I]
            x = x + self.conv1d(m, p + "mlp.c_proj")
        logits = F.linear(self.layer_norm(x, "transformer.ln_f"), self.w["lm_head.weight"])  # [B, T, V]
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE, reduction="sum")

    def adapter_grad_norm(self):
        """Global L2 norm of dL/dA and dL/dB over all adapted modules, in float64."""
        squares = 0.0
        for module, (a, b) in (self.lora or self.adapter).items():
            if self.lora:
                grads = (a.grad.double(), b.grad.double())
            else:  # W = W0 + s·(B·A)ᵀ [in, out], so with G = (dL/dW)ᵀ [out, in]: dL/dA = s·Bᵀ·G, dL/dB = s·G·Aᵀ
                g = self.w[module + ".weight"].grad.double().t()
                grads = (self.scale * b.double().t() @ g, self.scale * g @ a.double().t())  # [r, in], [out, r]
            squares += sum(float(x.pow(2).sum()) for x in grads)
        return math.sqrt(squares)


# ---------------------------------------------------------------------------------------------------------- run

def rel_diff(value, reference):
    return abs(value - reference) / max(abs(reference), 1e-30)


def main(args):
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    fx = Fixture(args.fixture)
    model = (Gpt2 if fx.family == "gpt2" else Llama)(fx, args.mode)
    params = model.trainable()
    tokens, targets = torch.from_numpy(fx.tokens), torch.from_numpy(fx.targets)  # [B, T] each, built once
    rss_before_steps = proc_status_bytes("VmRSS")

    def step():
        for p in params:
            p.grad = None  # fresh gradients each step, as our forwardBackward returns new arrays
        loss = model.loss_sum(tokens, targets)
        loss.backward()
        return loss.item()

    for _ in range(args.warmup):
        step()
    load_before = os.getloadavg()[0]  # other processes' load is the main source of noise on a shared machine
    seconds = []

    def timed_step():
        t0 = time.perf_counter()
        value = step()
        seconds.append(time.perf_counter() - t0)
        return value

    if args.serve:
        print("ready", flush=True)
        loss = None
        for line in sys.stdin:
            if line.strip() != "step":
                break
            loss = timed_step()
            print(f"step {seconds[-1]}", flush=True)
        if loss is None:
            sys.exit("--serve: stdin ended before the first 'step'")
    else:
        for _ in range(args.reps):
            loss = timed_step()
    # No update between steps, so the last step's loss and gradients are every step's.
    grad_norm = model.adapter_grad_norm()
    if args.profile:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            step()
            step()
        print("two steps by op (self CPU time; divide by 2 for one step):")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))

    ref_loss, ref_norm = fx.reference["loss_sum"], fx.reference["adapter_grad_norm"]
    ref_tokens = fx.reference.get("loss_tokens")
    if ref_tokens is not None and ref_tokens != fx.loss_tokens:
        raise ValueError(f"batch.json counts {fx.loss_tokens} loss tokens, reference.json {ref_tokens}")
    median = statistics.median(seconds)
    report = {
        "fixture": os.path.abspath(args.fixture),
        "torch_version": torch.__version__,
        "threads": args.threads,
        "intra_op_threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "mode": args.mode,
        "model_type": fx.config["model_type"],
        "blas": blas_probe.describe(),
        "torch_build_blas": re.search(r"BLAS_INFO=([^,]*)", torch.__config__.show()).group(1),
        "env": blas_probe.thread_env(),
        "warmup": args.warmup,
        "reps": len(seconds),
        "rows": fx.rows,
        "seq_len": fx.seq_len,
        "loadavg_1m": [load_before, os.getloadavg()[0]],  # before and after the timed steps
        "step_seconds": seconds,
        "median_s": median,
        "tokens_per_s": fx.rows * fx.seq_len / median,
        "loss_sum": loss,
        "loss_tokens": fx.loss_tokens,
        "adapter_grad_norm": grad_norm,
        "reference_loss_sum": ref_loss,
        "reference_grad_norm": ref_norm,
        "loss_rel_diff": rel_diff(loss, ref_loss),
        "grad_norm_rel_diff": rel_diff(grad_norm, ref_norm),
        "trainable_params": sum(p.numel() for p in params),
        "rss_before_steps_bytes": rss_before_steps,
        "peak_rss_bytes": proc_status_bytes("VmHWM"),
    }
    worst = max(report["loss_rel_diff"], report["grad_norm_rel_diff"])
    report["check"] = "match" if worst <= WARN_REL else "MISMATCH" if worst > FAIL_REL else "WARN"

    print(f"torch {report['torch_version']}, {args.threads} threads, mode {args.mode}, BLAS: {report['blas']}")
    print(f"step: median {median * 1e3:.1f} ms over {len(seconds)} reps after {args.warmup} warm-up "
          f"({report['tokens_per_s']:.0f} tokens/s, {report['trainable_params']} trainable parameters, "
          f"peak RSS {report['peak_rss_bytes'] >> 20} MiB)")
    print(f"loss_sum {loss:.6f} vs reference {ref_loss:.6f} (rel {report['loss_rel_diff']:.2e}); "
          f"adapter grad norm {grad_norm:.6f} vs reference {ref_norm:.6f} (rel {report['grad_norm_rel_diff']:.2e})")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=2)
    if report["check"] != "match":
        print(f"{report['check']}: the peer and reference.json differ by {worst:.2e} relative "
              f"(warn above {WARN_REL:g}, fail above {FAIL_REL:g}): they do not compute the same step",
              file=sys.stderr)
    return 2 if report["check"] == "MISMATCH" else 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
