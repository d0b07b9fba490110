#!/usr/bin/env python3
"""Peer measurements that marsim's performance work is compared against.

Three peers, each run in its own subprocess (so peak RSS is separate), with N threads,
warm (one untimed run before the timed ones), medians over --rounds:

  transformers   Mamba2ForCausalLM fp32 (transformers' PyTorch path; no mamba_ssm/causal_conv1d):
                 from_pretrained time (warm page cache), peak RSS, full-sequence forward
                 over the known ids (ms/token), cached decode one token at a time (ms/token).
  spiking        "what a PyTorch user runs for a spiking simulation": the same model with
                 forward pre-hooks on every layer's mixer.in_proj and mixer.out_proj that
                 replace the projection's input by its ATMN-decoded value (T=4, tau=1,
                 per-channel thresholds V = c*q99(|I|)/T, one global c bisected to a
                 ~10% firing rate). Times the hooked and the dense full-sequence forward;
                 the peer figure is their sum. Reports the firing rate reached and
                 KL(dense||spiking) averaged over tokens.
  llamacpp       llama-cpp-python on the f32 and the bf16 GGUF: load time (warm), peak RSS,
                 prompt processing of the known ids (ms/token), decode one token at a time.

ATMN neuron (one per input channel of a site), over t = 0..T-1:
  h_t = I*[t==0] + u_{t-1}/tau,  s_t = +1 if h_t >= V, -1 if h_t <= -V, else 0,
  u_t = h_t - s_t*V;  the projection sees sum_t s_t*V.
Firing rate = spikes / (neurons * T * tokens), neurons = channels summed over all sites.

Setup this expects:
  pip install torch transformers safetensors numpy psutil
  CMAKE_ARGS="-DGGML_NATIVE=ON" pip install llama-cpp-python
  python scripts/peers/make_checkpoint.py            # /work/ckpt/mamba2-1.3b{,-bf16}, ids, golden
  GGUFs made with llama.cpp's convert_hf_to_gguf.py (from the llama-cpp-python sdist's
  vendor/llama.cpp) --outtype f32 / bf16 from /work/ckpt/mamba2-1.3b.

Example:
  python scripts/peers/bench_peers.py --json /tmp/peers.json
  python scripts/peers/bench_peers.py --only llamacpp --rounds 5
Where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set in the environment, run it as
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python scripts/peers/bench_peers.py ...
(the JSON records both variables as seen by the run).
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

PEERS = ("transformers", "spiking", "llamacpp")


# ----------------------------------------------------------------------------- helpers

def vm_kib(field: str) -> int:
    """A Vm* field of /proc/self/status, in KiB (VmHWM = peak RSS, VmRSS = current)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def read_ids(path: str) -> list[int]:
    with open(path) as f:
        return [int(x) for x in f.read().replace("\n", ",").split(",") if x.strip()]


def warm_page_cache(paths: list[str]) -> float:
    """Read files once so later loads are warm; returns seconds spent."""
    t0 = time.perf_counter()
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.read(64 << 20):
                pass
    return time.perf_counter() - t0


def weight_files(checkpoint: str) -> list[str]:
    return sorted(os.path.join(checkpoint, f) for f in os.listdir(checkpoint) if f.endswith(".safetensors"))


def timed(fn, rounds: int) -> tuple[float, list[float]]:
    """Run fn once untimed (warm-up), then `rounds` timed; returns (median s, all s)."""
    fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def median_ms_per(times: list[float], n: int) -> float:
    return 1e3 * statistics.median(times) / n


def min_ms_per(times: list[float], n: int) -> float:
    """Best round; on a shared machine the least disturbed by other load."""
    return 1e3 * min(times) / n


# ----------------------------------------------------------------------------- transformers

def load_transformers(args, result: dict):
    import torch
    from transformers import Mamba2ForCausalLM
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()

    files = weight_files(args.checkpoint)
    result["weights_bytes"] = sum(os.path.getsize(f) for f in files)
    result["page_cache_warm_s"] = warm_page_cache(files)

    def load():
        m = Mamba2ForCausalLM.from_pretrained(args.checkpoint, dtype=torch.float32)
        return m.eval()

    model = load()  # untimed: imports, first touch
    load_times = []
    for _ in range(args.rounds):
        del model
        gc.collect()
        t0 = time.perf_counter()
        model = load()
        load_times.append(time.perf_counter() - t0)
    result["load_s"] = statistics.median(load_times)
    result["load_s_all"] = load_times
    return model


def decode_step_fn(model):
    """Returns step(ids_tensor, cache) -> (logits, cache) for this transformers version."""
    import inspect
    params = inspect.signature(model.forward).parameters
    if "cache" in params:  # transformers >= 5: Cache object, no cache_position needed
        def step(x, cache):
            out = model(input_ids=x, cache=cache, use_cache=True)
            return out.logits, out.cache
        return step

    # transformers 4.x: cache_params + cache_position
    state = {"pos": 0}

    def step(x, cache):
        import torch
        n = x.shape[1]
        if cache is None:
            state["pos"] = 0
            pos = torch.arange(0, n)  # prefill: cache_position covers the prompt
        else:
            pos = torch.tensor([state["pos"]])
        out = model(input_ids=x, cache_params=cache, use_cache=True, cache_position=pos)
        state["pos"] += n
        return out.logits, out.cache_params
    return step


def worker_transformers(args) -> dict:
    import torch
    import transformers
    torch.set_num_threads(args.threads)
    result = {"peer": "transformers", "dtype": "float32", "threads": args.threads,
              "torch": torch.__version__, "transformers": transformers.__version__}
    model = load_transformers(args, result)
    ids_list = read_ids(args.ids)
    ids = torch.tensor(ids_list, dtype=torch.int64)[None]
    n = ids.shape[1]

    # full-sequence forward over the known ids
    with torch.inference_mode():
        def full():
            return model(input_ids=ids, use_cache=False).logits
        _, times = timed(full, args.rounds)
        result["full_seq_tokens"] = n
        result["full_seq_ms_per_token"] = median_ms_per(times, n)
        result["full_seq_min_ms_per_token"] = min_ms_per(times, n)
        result["full_seq_s_all"] = times
        if args.golden and os.path.exists(args.golden):
            from safetensors.torch import load_file
            g = load_file(args.golden)
            logits = full()[0]
            if torch.equal(g["input_ids"], ids[0]):
                result["golden_max_abs_diff"] = float((logits - g["logits"]).abs().max())

        # cached decode: a short prompt, then one known token at a time
        step = decode_step_fn(model)
        p, k = args.prompt_tokens, args.decode_tokens
        prompt, rest = ids[:, :p], ids[0, p:p + k]
        last = {}

        def decode():
            logits, cache = step(prompt, None)
            t0 = time.perf_counter()
            for i in range(len(rest)):
                logits, cache = step(rest[i].view(1, 1), cache)
            last["t"] = time.perf_counter() - t0
            last["logits"] = logits[0, -1]

        decode()  # warm
        dtimes = []
        for _ in range(args.rounds):
            decode()
            dtimes.append(last["t"])
        result["decode_prompt_tokens"] = p
        result["decode_tokens"] = len(rest)
        result["decode_ms_per_token"] = median_ms_per(dtimes, len(rest))
        result["decode_min_ms_per_token"] = min_ms_per(dtimes, len(rest))
        result["decode_s_all"] = dtimes
        if args.golden and os.path.exists(args.golden):
            result["decode_vs_golden_max_abs_diff"] = float(
                (last["logits"] - g["logits"][p + len(rest) - 1]).abs().max())
    result["peak_rss_kib"] = vm_kib("VmHWM")
    result["peak_rss_over_weights"] = result["peak_rss_kib"] * 1024 / result["weights_bytes"]
    return result


# ----------------------------------------------------------------------------- spiking (ATMN hooks)

class ATMNHooks:
    """Forward pre-hooks that replace a projection's input by its ATMN-decoded value."""

    def __init__(self, modules: list, T: int = 4, tau: float = 1.0):
        self.modules, self.T, self.tau = modules, T, tau
        self.q99 = [None] * len(modules)   # per-channel quantile_0.99(|I|) from calibration
        self.c = 1.0
        self.count = False
        self.spikes = 0
        self.neuron_steps = 0
        self.handles = []

    def attach(self):
        for i, m in enumerate(self.modules):
            self.handles.append(m.register_forward_pre_hook(self._hook(i)))

    def detach(self):
        for h in self.handles:
            h.remove()
        self.handles = []

    def _hook(self, i):
        import torch

        def hook(_module, inputs):
            x = inputs[0]
            I = x.reshape(-1, x.shape[-1])                       # [tokens, channels]
            V = (self.c * self.q99[i] / self.T).clamp_min(1e-12)  # [channels]
            u = torch.zeros_like(I)
            out = torch.zeros_like(I)
            nspk = 0
            for t in range(self.T):
                h = I + u / self.tau if t == 0 else u / self.tau  # h_t = I*[t==0] + u_{t-1}/tau
                s = (h >= V).to(I.dtype) - (h <= -V).to(I.dtype)
                u = h - s * V
                out = out + s * V
                if self.count:
                    nspk += int(s.abs().sum())
            if self.count:
                self.spikes += nspk
                self.neuron_steps += I.numel() * self.T
            return (out.view_as(x),) + tuple(inputs[1:])
        return hook

    def rate(self) -> float:
        return self.spikes / max(1, self.neuron_steps)


def calibrate_q99(model, sites: list, ids) -> list:
    """Per-channel quantile_0.99(|I|) at each site from one dense forward; also keeps |I|."""
    import torch
    q99, absI, handles = [None] * len(sites), [None] * len(sites), []

    def mk(i):
        def hook(_m, inputs):
            a = inputs[0].reshape(-1, inputs[0].shape[-1]).abs().float()
            q99[i] = torch.quantile(a, 0.99, dim=0)
            absI[i] = a
        return hook
    for i, m in enumerate(sites):
        handles.append(m.register_forward_pre_hook(mk(i)))
    try:
        model(input_ids=ids, use_cache=False)
    finally:
        for h in handles:
            h.remove()
    return q99, absI


def open_loop_rate(absI: list, q99: list, c: float, T: int) -> float:
    """Firing rate on the dense activations (no feedback through the spiking model).
    With tau = 1 an ATMN neuron fires min(T, floor(|I|/V)) times, so this is exact per site."""
    import torch
    spikes = steps = 0
    for a, q in zip(absI, q99):
        V = (c * q / T).clamp_min(1e-12)
        spikes += float(torch.clamp(torch.floor(a / V), max=T).sum())
        steps += a.numel() * T
    return spikes / steps


def bisect_c(rate_of, target: float, lo: float, hi: float, steps: int, tol: float):
    """Bisection on log c; rate decreases as c grows. Returns (c, rate, trace)."""
    trace = []
    best = None
    for _ in range(steps):
        c = math.sqrt(lo * hi)
        r = rate_of(c)
        trace.append((c, r))
        if best is None or abs(r - target) < abs(best[1] - target):
            best = (c, r)
        if abs(r - target) <= tol:
            break
        if r > target:
            lo = c
        else:
            hi = c
    return best[0], best[1], trace


def worker_spiking(args) -> dict:
    import torch
    import transformers
    torch.set_num_threads(args.threads)
    result = {"peer": "spiking", "dtype": "float32", "threads": args.threads, "T": args.T, "tau": 1.0,
              "target_rate": args.target_rate, "torch": torch.__version__,
              "transformers": transformers.__version__}
    model = load_transformers(args, result)
    ids = torch.tensor(read_ids(args.ids), dtype=torch.int64)[None]
    n = ids.shape[1]
    sites = []
    for layer in model.backbone.layers:
        sites += [layer.mixer.in_proj, layer.mixer.out_proj]
    hooks = ATMNHooks(sites, T=args.T, tau=1.0)
    result["sites"] = len(sites)
    result["neurons"] = sum(m.in_features for m in sites)

    with torch.inference_mode():
        t0 = time.perf_counter()
        hooks.q99, absI = calibrate_q99(model, sites, ids)
        # 1) open-loop bisection on the dense activations (cheap, exact for tau = 1)
        c0, r0, _ = bisect_c(lambda c: open_loop_rate(absI, hooks.q99, c, args.T),
                             args.target_rate, 1e-3, 1e3, 60, 1e-4)
        del absI
        result["c_open_loop"], result["rate_open_loop"] = c0, r0

        # 2) closed-loop bisection: the hooked model's own rate, around c0
        def closed_rate(c):
            hooks.c, hooks.count, hooks.spikes, hooks.neuron_steps = c, True, 0, 0
            hooks.attach()
            try:
                model(input_ids=ids, use_cache=False)
            finally:
                hooks.detach()
                hooks.count = False
            return hooks.rate()
        c, rate, trace = bisect_c(closed_rate, args.target_rate, c0 / 2, c0 * 2,
                                  args.calib_steps, args.rate_tol)
        result["calibration_s"] = time.perf_counter() - t0
        result["c"], result["rate"] = c, rate
        result["calibration_trace"] = trace
        hooks.c = c

        # timed: dense and hooked full-sequence forwards (counting off), interleaved
        # round by round so that load from other processes hits both alike
        def forward(hooked: bool):
            if hooked:
                hooks.attach()
            try:
                t0 = time.perf_counter()
                logits = model(input_ids=ids, use_cache=False).logits[0]
                return logits, time.perf_counter() - t0
            finally:
                if hooked:
                    hooks.detach()
        forward(False), forward(True)  # warm
        dtimes, stimes = [], []
        for _ in range(args.rounds):
            dense_logits, t = forward(False)
            dtimes.append(t)
            spk_logits, t = forward(True)
            stimes.append(t)
        result["dense_ms_per_token"] = median_ms_per(dtimes, n)
        result["hooked_ms_per_token"] = median_ms_per(stimes, n)
        result["peer_ms_per_token"] = result["dense_ms_per_token"] + result["hooked_ms_per_token"]
        result["dense_min_ms_per_token"] = min_ms_per(dtimes, n)
        result["hooked_min_ms_per_token"] = min_ms_per(stimes, n)
        result["peer_min_ms_per_token"] = result["dense_min_ms_per_token"] + result["hooked_min_ms_per_token"]
        result["dense_s_all"], result["hooked_s_all"] = dtimes, stimes

        lp = torch.log_softmax(dense_logits.double(), -1)
        lq = torch.log_softmax(spk_logits.double(), -1)
        kl = (lp.exp() * (lp - lq)).sum(-1)
        result["kl_dense_spiking_mean"] = float(kl.mean())
        result["top1_agreement"] = float((lp.argmax(-1) == lq.argmax(-1)).double().mean())
    result["tokens"] = n
    result["peak_rss_kib"] = vm_kib("VmHWM")
    result["peak_rss_over_weights"] = result["peak_rss_kib"] * 1024 / result["weights_bytes"]
    return result


# ----------------------------------------------------------------------------- llama.cpp

def llamacpp_one(args, path: str, ids: list[int], golden) -> dict:
    import numpy as np
    import llama_cpp
    from llama_cpp import Llama
    r = {"gguf": path, "weights_bytes": os.path.getsize(path), "llama_cpp_python": llama_cpp.__version__}
    r["page_cache_warm_s"] = warm_page_cache([path])
    kw = dict(model_path=path, n_ctx=args.n_ctx, n_batch=512, n_ubatch=512, n_threads=args.threads,
              n_threads_batch=args.threads, logits_all=False, verbose=False)
    llm = Llama(**kw)  # untimed
    load_times = []
    for _ in range(args.rounds):
        del llm
        gc.collect()
        t0 = time.perf_counter()
        llm = Llama(**kw)
        load_times.append(time.perf_counter() - t0)
    r["load_s"], r["load_s_all"] = statistics.median(load_times), load_times
    r["n_vocab"] = llm.n_vocab()

    def prompt():
        llm.reset()
        llm.eval(ids)
    _, ptimes = timed(prompt, args.rounds)
    r["prompt_tokens"] = len(ids)
    r["prompt_ms_per_token"] = median_ms_per(ptimes, len(ids))
    r["prompt_min_ms_per_token"] = min_ms_per(ptimes, len(ids))
    r["prompt_s_all"] = ptimes
    if golden is not None:
        last = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(r["n_vocab"],)).copy()
        g = golden["logits"][len(ids) - 1]
        m = min(len(g), len(last))
        r["golden_last_max_abs_diff"] = float(np.abs(last[:m] - g[:m]).max())

    p, k = args.prompt_tokens, args.decode_tokens
    rest = ids[p:p + k]
    holder = {}

    def decode():
        llm.reset()
        llm.eval(ids[:p])
        t0 = time.perf_counter()
        for tok in rest:
            llm.eval([tok])
        holder["t"] = time.perf_counter() - t0
    decode()
    dtimes = []
    for _ in range(args.rounds):
        decode()
        dtimes.append(holder["t"])
    r["decode_prompt_tokens"] = p
    r["decode_tokens"] = len(rest)
    r["decode_ms_per_token"] = median_ms_per(dtimes, len(rest))
    r["decode_min_ms_per_token"] = min_ms_per(dtimes, len(rest))
    r["decode_s_all"] = dtimes
    if golden is not None:
        last = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(r["n_vocab"],)).copy()
        g = golden["logits"][p + len(rest) - 1]
        m = min(len(g), len(last))
        r["decode_vs_golden_max_abs_diff"] = float(np.abs(last[:m] - g[:m]).max())
    del llm
    gc.collect()
    return r


def worker_llamacpp(args) -> dict:
    ids = read_ids(args.ids)
    golden = None
    if args.golden and os.path.exists(args.golden):
        from safetensors.numpy import load_file  # not safetensors.torch: keep torch out of this RSS
        golden = load_file(args.golden)
    r = llamacpp_one(args, args.gguf, ids, golden)
    r.update({"peer": "llamacpp", "threads": args.threads, "peak_rss_kib": vm_kib("VmHWM")})
    r["peak_rss_over_weights"] = r["peak_rss_kib"] * 1024 / r["weights_bytes"]
    return r


WORKERS = {"transformers": worker_transformers, "spiking": worker_spiking, "llamacpp": worker_llamacpp}


# ----------------------------------------------------------------------------- driver

def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Peer measurements (transformers, PyTorch ATMN hooks, llama.cpp).")
    p.add_argument("--checkpoint", default="/work/ckpt/mamba2-1.3b", help="HF fp32 checkpoint folder")
    p.add_argument("--ids", default="/work/ckpt/ids-256.txt", help="comma-separated token ids")
    p.add_argument("--golden", default="/work/ckpt/mamba2-1.3b-golden.safetensors",
                   help="golden logits for a correctness check ('' to skip)")
    p.add_argument("--gguf-f32", default="/work/ckpt/mamba2-1.3b-f32.gguf")
    p.add_argument("--gguf-bf16", default="/work/ckpt/mamba2-1.3b-bf16.gguf")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--prompt-tokens", type=int, default=8, help="prompt before the decode steps")
    p.add_argument("--decode-tokens", type=int, default=32, help="decode steps timed")
    p.add_argument("--n-ctx", type=int, default=512)
    p.add_argument("--T", type=int, default=4, help="ATMN time steps")
    p.add_argument("--target-rate", type=float, default=0.10)
    p.add_argument("--rate-tol", type=float, default=0.002, help="closed-loop bisection stops within this")
    p.add_argument("--calib-steps", type=int, default=6, help="closed-loop bisection steps at most")
    p.add_argument("--only", action="append", choices=PEERS,
                   help="run only this peer (repeatable); default: all")
    p.add_argument("--json", help="write all results here")
    # internal
    p.add_argument("--worker", choices=PEERS, help=argparse.SUPPRESS)
    p.add_argument("--gguf", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def run_worker(args, peer: str, extra: list[str]) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", peer, "--worker-out", out,
           "--checkpoint", args.checkpoint, "--ids", args.ids, "--golden", args.golden or "",
           "--threads", str(args.threads), "--rounds", str(args.rounds),
           "--prompt-tokens", str(args.prompt_tokens), "--decode-tokens", str(args.decode_tokens),
           "--n-ctx", str(args.n_ctx), "--T", str(args.T), "--target-rate", str(args.target_rate),
           "--rate-tol", str(args.rate_tol), "--calib-steps", str(args.calib_steps)] + extra
    print(f"== {peer} {' '.join(extra)}", flush=True)
    t0 = time.perf_counter()
    rc = subprocess.call(cmd)
    try:
        with open(out) as f:
            r = json.load(f)
    except (OSError, json.JSONDecodeError):
        r = {"peer": peer, "error": f"worker exited {rc} without a result"}
    finally:
        if os.path.exists(out):
            os.unlink(out)
    r["wall_s"] = time.perf_counter() - t0
    if rc != 0:
        r.setdefault("error", f"worker exited {rc}")
    return r


def fmt(x, spec=".1f"):
    return "-" if x is None else format(x, spec)


def fmt2(r: dict, key: str) -> str:
    """'median (min)' of a *_ms_per_token figure."""
    med, best = r.get(key + "_ms_per_token"), r.get(key + "_min_ms_per_token")
    return fmt(med) + ("" if best is None else f" ({best:.1f})")


def table(results: list[dict]) -> str:
    head = ("peer", "load s", "peak RSS MiB", "RSS/weights", "full-seq/prompt ms/tok median (min)",
            "decode ms/tok median (min)", "note")
    rows = [head]
    for r in results:
        name = r["peer"] + (f" {r['variant']}" if r.get("variant") else "")
        if "error" in r:
            rows.append((name, "-", "-", "-", "-", "-", r["error"]))
            continue
        rss = r.get("peak_rss_kib")
        common = (fmt(r.get("load_s"), ".2f"), fmt(rss / 1024 if rss else None, ".0f"),
                  fmt(r.get("peak_rss_over_weights"), ".2f"))
        if r["peer"] == "transformers":
            rows.append((name, *common, fmt2(r, "full_seq"), fmt2(r, "decode"),
                         "fp32, full-sequence forward; cached decode"))
        elif r["peer"] == "spiking":
            rows.append((name, *common, fmt2(r, "peer"), "-",
                         f"hooked {fmt2(r, 'hooked')} + dense {fmt2(r, 'dense')}; "
                         f"rate {100*r['rate']:.2f}% (c={r['c']:.3g}); KL {r['kl_dense_spiking_mean']:.3g}"))
        else:
            rows.append((name, *common, fmt2(r, "prompt"), fmt2(r, "decode"),
                         f"prompt {r['prompt_tokens']} ids; decode {r['decode_tokens']} steps"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows)


def main() -> int:
    args = parse_args()
    if args.worker:
        r = WORKERS[args.worker](args)
        with open(args.worker_out, "w") as f:
            json.dump(r, f)
        return 0

    peers = args.only or list(PEERS)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(),
            "machine": platform.machine(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "threads": args.threads, "rounds": args.rounds,
            "loadavg_start": os.getloadavg(),
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                   "OMP_NUM_THREADS", "MKL_NUM_THREADS")}}
    try:
        with open("/proc/cpuinfo") as f:
            meta["cpu"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(k):
            print(f"warning: {k}={os.environ[k]} is set; it can slow numpy/torch. "
                  f"Re-run with: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...", file=sys.stderr)

    results = []
    for peer in peers:
        if peer == "llamacpp":
            for variant, path in (("f32", args.gguf_f32), ("bf16", args.gguf_bf16)):
                if not os.path.exists(path):
                    results.append({"peer": peer, "variant": variant, "error": f"missing {path}"})
                    continue
                r = run_worker(args, peer, ["--gguf", path])
                r["variant"] = variant
                results.append(r)
        else:
            results.append(run_worker(args, peer, []))
    meta["loadavg_end"] = os.getloadavg()

    print()
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=2)
        print(f"\nwrote {args.json}")
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
