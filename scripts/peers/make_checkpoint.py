#!/usr/bin/env python3
"""Make the Mamba2-1.3B-shaped peer checkpoint (random, seeded weights) and its golden logits.

Writes, with transformers' own `save_pretrained` (default max_shard_size, i.e. one
`model.safetensors` file for this size in transformers 5.x):

  OUT/                      fp32 checkpoint (config.json lists Mamba2ForCausalLM)
  OUT_BF16/                 the same weights rounded to bf16
  GOLDEN                    safetensors: input_ids [N] int64, logits [N, vocab] f32
                            (one full-sequence fp32 forward, use_cache=False)
  IDS_TXT                   the same N ids, comma-separated
  NOTE                      JSON: seed, versions, activation statistics, any init rescaling

The golden file and the note are kept *outside* the checkpoint folders, so a loader
that reads every *.safetensors in the folder sees only weights.

Nothing here downloads anything: the model is built from a Mamba2Config.

Usage (defaults reproduce /work/ckpt):
  python scripts/peers/make_checkpoint.py
  python scripts/peers/make_checkpoint.py --out /tmp/m --out-bf16 /tmp/m-bf16 \
      --golden /tmp/m-golden.safetensors --ids-txt /tmp/ids.txt --tiny   # quick smoke test
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import torch
from safetensors.torch import save_file
import transformers
from transformers import Mamba2Config, Mamba2ForCausalLM

# 1.3B-shaped, as in state-spaces/mamba2-1.3b (vocab already padded to a multiple of 16).
SHAPE_1P3B = dict(hidden_size=2048, num_hidden_layers=48, num_heads=64, head_dim=64, expand=2,
                  state_size=128, n_groups=1, conv_kernel=4, vocab_size=50288,
                  tie_word_embeddings=True, use_bias=False, use_conv_bias=True)
# A few-MB model of the same structure for smoke tests of this script.
SHAPE_TINY = dict(SHAPE_1P3B, hidden_size=128, num_hidden_layers=2, num_heads=4, head_dim=64,
                  state_size=16, vocab_size=512)

# A logit whose magnitude passes this is "absurd" for a language model's head; the
# residual stream of a sane random init stays within a few hundred RMS.
MAX_ABS_LOGIT = 1e3


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="/work/ckpt/mamba2-1.3b")
    p.add_argument("--out-bf16", default="/work/ckpt/mamba2-1.3b-bf16")
    p.add_argument("--golden", default="/work/ckpt/mamba2-1.3b-golden.safetensors")
    p.add_argument("--ids-txt", default="/work/ckpt/ids-256.txt")
    p.add_argument("--note", default=None, help="JSON note path (default: OUT + '-note.json')")
    p.add_argument("--seed", type=int, default=1234, help="weights seed; the ids use seed+1")
    p.add_argument("--tokens", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-shard-size", default=None,
                   help="passed to save_pretrained; default: transformers' own default")
    p.add_argument("--tiny", action="store_true", help="tiny model of the same structure (smoke test)")
    return p.parse_args()


@torch.no_grad()
def forward_stats(model: Mamba2ForCausalLM, ids: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """One full-sequence forward without cache; returns logits [N, V] and activation stats."""
    rms: list[float] = []

    def hook(_mod, _inp, out):
        h = out[0] if isinstance(out, tuple) else out
        rms.append(float(h.float().pow(2).mean().sqrt()))

    handles = [layer.register_forward_hook(hook) for layer in model.backbone.layers]
    try:
        logits = model(input_ids=ids[None], use_cache=False).logits[0].float()
    finally:
        for h in handles:
            h.remove()
    finite = bool(torch.isfinite(logits).all())
    stats = {
        "finite": finite,
        "logits_abs_max": float(logits.abs().max()) if finite else float("nan"),
        "logits_std": float(logits.std()) if finite else float("nan"),
        "residual_rms_first_layer": rms[0] if rms else None,
        "residual_rms_last_layer": rms[-1] if rms else None,
        "residual_rms_max": max(rms) if rms else None,
    }
    return logits, stats


def sane(stats: dict) -> bool:
    return stats["finite"] and stats["logits_abs_max"] < MAX_ABS_LOGIT and all(
        v is None or math.isfinite(v) for k, v in stats.items() if k.startswith("residual"))


def main() -> int:
    args = parse_args()
    torch.set_num_threads(args.threads)
    note_path = args.note or args.out.rstrip("/") + "-note.json"

    shape = SHAPE_TINY if args.tiny else SHAPE_1P3B
    config = Mamba2Config(**shape)
    config.architectures = ["Mamba2ForCausalLM"]

    t0 = time.perf_counter()
    torch.manual_seed(args.seed)
    model = Mamba2ForCausalLM(config).eval()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"built {n_params/1e9:.3f} B params (tied head) in {time.perf_counter()-t0:.1f} s", flush=True)

    gen = torch.Generator().manual_seed(args.seed + 1)
    ids = torch.randint(0, config.vocab_size, (args.tokens,), generator=gen, dtype=torch.int64)

    # Check transformers' default init gives finite, non-absurd activations; if not,
    # shrink every mixer's out_proj (the residual writes) by 2 until it does.
    rescale = 1.0
    for attempt in range(12):
        t0 = time.perf_counter()
        logits, stats = forward_stats(model, ids)
        print(f"forward {args.tokens} tokens in {time.perf_counter()-t0:.1f} s: {stats}", flush=True)
        if sane(stats):
            break
        with torch.no_grad():
            for layer in model.backbone.layers:
                layer.mixer.out_proj.weight.mul_(0.5)
        rescale *= 0.5
        print(f"activations not sane; out_proj scaled to x{rescale}", flush=True)
    else:
        print("could not get sane activations", file=sys.stderr)
        return 1

    # fp32 checkpoint
    save_kw = {} if args.max_shard_size is None else {"max_shard_size": args.max_shard_size}
    t0 = time.perf_counter()
    model.save_pretrained(args.out, **save_kw)
    print(f"saved fp32 to {args.out} in {time.perf_counter()-t0:.1f} s", flush=True)

    # golden logits and ids (outside the checkpoint folder)
    save_file({"input_ids": ids.contiguous(), "logits": logits.contiguous()}, args.golden,
              metadata={"seed": str(args.seed), "ids_seed": str(args.seed + 1),
                        "checkpoint": os.path.abspath(args.out), "torch": torch.__version__,
                        "transformers": transformers.__version__,
                        "forward": "Mamba2ForCausalLM fp32, one full-sequence forward, use_cache=False"})
    with open(args.ids_txt, "w") as f:
        f.write(",".join(str(int(i)) for i in ids) + "\n")
    print(f"saved golden to {args.golden}, ids to {args.ids_txt}", flush=True)

    # bf16 copy of the same weights
    t0 = time.perf_counter()
    model = model.to(torch.bfloat16)
    model.save_pretrained(args.out_bf16, **save_kw)
    print(f"saved bf16 to {args.out_bf16} in {time.perf_counter()-t0:.1f} s", flush=True)

    # save_pretrained/save_file may create 0600 files; make them readable by any user.
    for path in [args.golden] + [os.path.join(d, f) for d in (args.out, args.out_bf16) for f in os.listdir(d)]:
        os.chmod(path, 0o644)

    with open(os.path.join(args.out, "config.json")) as f:
        arch = json.load(f).get("architectures")
    assert arch == ["Mamba2ForCausalLM"], arch

    note = {"seed": args.seed, "ids_seed": args.seed + 1, "tokens": args.tokens, "shape": shape,
            "params": n_params, "out_proj_rescale": rescale, "activation_stats": stats,
            "max_shard_size": args.max_shard_size or "transformers default",
            "torch": torch.__version__, "transformers": transformers.__version__,
            "files": {d: sorted(os.listdir(d)) for d in (args.out, args.out_bf16)}}
    with open(note_path, "w") as f:
        json.dump(note, f, indent=2)
    print(json.dumps(note, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
