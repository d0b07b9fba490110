#!/usr/bin/env bash
# Decode (one token at a time) of marsim and llama.cpp, alternated round by round so both see the
# same host: on a shared VM the memory bandwidth moves by tens of percent within minutes, more than
# the 10% the comparison is about. Not part of `make test`; needs llama-cpp-python and the GGUFs
# (see scripts/peers/bench_peers.py).
#
#   scripts/bench_decode_interleaved.sh OUT_DIR [ROUNDS] [FP32_DIR] [BF16_DIR]
set -euo pipefail
out=${1:?usage: scripts/bench_decode_interleaved.sh OUT_DIR [ROUNDS] [FP32_DIR] [BF16_DIR]}
rounds=${2:-3}
fp32=${3:-/work/ckpt/mamba2-1.3b}
bf16=${4:-/work/ckpt/mamba2-1.3b-bf16}
mkdir -p "$out"
marsim=.build/release/marsim
make release >/dev/null
ids=$(cut -d, -f1-24 /work/ckpt/ids-256.txt)
uptime | tee "$out/load-start.txt"
for r in $(seq 1 "$rounds"); do
    for variant in bf16 f32; do
        dir=$([ "$variant" = f32 ] && echo "$fp32" || echo "$bf16")
        "$marsim" simulate --checkpoint "$dir" --input-ids "$ids" --chunk 1 --mode dense --json 2>/dev/null \
            | python3 -c "import json,sys; t=json.load(sys.stdin)['timing']; print(json.dumps({'peer':'marsim','variant':'$variant','round':$r,'ms_per_token':t['ms_per_token'],'tokens':t['tokens']}))" \
            | tee -a "$out/decode.jsonl"
        gguf=/work/ckpt/mamba2-1.3b-$variant.gguf
        python3 scripts/peers/bench_peers.py --checkpoint "$fp32" --only llamacpp --rounds 1 --decode-tokens 16 \
            --gguf-f32 "$([ "$variant" = f32 ] && echo "$gguf" || echo /nonexistent)" \
            --gguf-bf16 "$([ "$variant" = bf16 ] && echo "$gguf" || echo /nonexistent)" \
            --json "$out/llama-$variant-$r.json" >/dev/null 2>&1 || true
        python3 -c "import json; r=[x for x in json.load(open('$out/llama-$variant-$r.json'))['results'] if 'error' not in x][0]; print(json.dumps({'peer':'llama.cpp','variant':'$variant','round':$r,'ms_per_token':r['decode_ms_per_token'],'tokens':r['decode_tokens']}))" \
            | tee -a "$out/decode.jsonl"
    done
done
uptime | tee "$out/load-end.txt"
