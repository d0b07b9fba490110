#!/usr/bin/env bash
# Side-by-side benchmark of marsim and its peers on a Mamba2-1.3B-shaped checkpoint (BENCHMARKS.md,
# "Known text on a real checkpoint"). Not part of `make test`: it needs the checkpoints and the peers'
# Python packages (see scripts/peers/bench_peers.py), ~6 GB of memory per run and a quiet machine.
#
#   scripts/bench_known_text.sh OUT_DIR [FP32_DIR] [BF16_DIR]
set -euo pipefail
out=${1:?usage: scripts/bench_known_text.sh OUT_DIR [FP32_DIR] [BF16_DIR]}
fp32=${2:-/work/ckpt/mamba2-1.3b}
bf16=${3:-/work/ckpt/mamba2-1.3b-bf16}
mkdir -p "$out"
marsim=.build/release/marsim
make release >/dev/null
uptime | tee "$out/load-start.txt"
# Warm the page cache and the column cache first (not timed).
"$marsim" bench --checkpoint "$fp32" --runs 1 --known-tokens 64 --decode-tokens 2 >/dev/null 2>&1 || true
"$marsim" bench --checkpoint "$fp32" --runs 3 --json > "$out/marsim-fp32.json"
"$marsim" bench --checkpoint "$bf16" --runs 1 --known-tokens 64 --decode-tokens 2 >/dev/null 2>&1 || true
"$marsim" bench --checkpoint "$bf16" --runs 3 --json > "$out/marsim-bf16.json"
python3 scripts/peers/bench_peers.py --checkpoint "$fp32" --rounds 3 --decode-tokens 16 --json "$out/peers.json"
uptime | tee "$out/load-end.txt"
