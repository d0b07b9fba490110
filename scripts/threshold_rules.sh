#!/usr/bin/env bash
# README's threshold-rule table: on the embedded checkpoint, MAR's four sites, thresholds calibrated on
# bytes 1024–2047 of heldout.txt and evaluated on bytes 0–1023 (disjoint), for each T and rule.
# Usage: scripts/threshold_rules.sh [MARSIM] [CHECKPOINT] [OUTDIR]   (after `make release`)
set -euo pipefail
MARSIM=${1:-.build/release/marsim}
CKPT=${2:-checkpoints/tiny-llamba-bytes}
OUT=${3:-traces/thresholds}
H=$CKPT/heldout.txt
mkdir -p "$OUT"
row() {  # T rule json calibration-seconds
    python3 - "$@" <<'PY'
import json, sys
T, rule, path, seconds = sys.argv[1:5]
r = json.load(open(path))
tok = r["tokens"]
print(f"| {T} | {rule} | {r['mean_kl_nats']:.3f} | {r['top1_agreement']:.3f} | {r['bits_per_byte_spiking']:.3f} | "
      f"{100 * r['firing_rate']:.1f}% | {r['spikes'] / tok:,.0f} | {r['acs'] / tok:,.0f} | {seconds} |")
PY
}
echo "| T | rule | KL nats | top-1 | bits/byte | firing | spikes/token | ACs/token | calibration s |"
echo "|---|---|---|---|---|---|---|---|---|"
for T in 2 4 8; do
    for rule in quantile mse output; do
        start=$(date +%s.%N)
        "$MARSIM" calibrate --checkpoint "$CKPT" --calibration-text "$H" --calibration-skip 1024 --calibration-limit 1024 \
            --rule $rule -T $T --out "$OUT/$rule-T$T.safetensors" --json > "$OUT/$rule-T$T.calibration.json" 2>/dev/null
        seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
        "$MARSIM" simulate --checkpoint "$CKPT" --text-file "$H" --limit 1024 -T $T --thresholds "$OUT/$rule-T$T.safetensors" \
            --json > "$OUT/$rule-T$T.simulate.json" 2>/dev/null
        row $T $rule "$OUT/$rule-T$T.simulate.json" "$seconds"
    done
done
