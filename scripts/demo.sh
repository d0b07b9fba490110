#!/usr/bin/env bash
# The marsim demo on the embedded checkpoint (tiny-llamba-bytes): dense exactness, a spiking run
# traced to HDF5, its joules per token under every shipped profile, and a what-if study with plots.
# Usage: scripts/demo.sh MARSIM CHECKPOINT   (make demo passes both)
set -euo pipefail
MARSIM=${1:-.build/release/marsim}
CKPT=${2:-checkpoints/tiny-llamba-bytes}
HELDOUT=$CKPT/heldout.txt
mkdir -p traces

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "1. A greedy continuation from the dense model" "marsim generate --prompt 'The state space model ' --tokens 120"
"$MARSIM" generate --checkpoint "$CKPT" --prompt "The state space model " --tokens 120

step "2. Held-out bits per byte of the dense model (transformers: $(python3 -c "import json;print(round(json.load(open('$CKPT/REFERENCE.json'))['heldout_bits_per_byte_dense'],4))" 2>/dev/null || echo 0.9888))" \
     "marsim simulate --text-file $HELDOUT --mode dense"
"$MARSIM" simulate --checkpoint "$CKPT" --text-file "$HELDOUT" --mode dense

# Fidelity is measured honestly: thresholds come from bytes 1024–2047 of the held-out text, the
# runs evaluate bytes 0–1023.
step "3. The first 1,024 held-out bytes as a spiking network (ATMN, T = 4, MAR's four sites; quantile thresholds from bytes 1024–2047), traced to HDF5" \
     "marsim simulate --text-file $HELDOUT --limit 1024 --timesteps 4 --calibration-text $HELDOUT --calibration-skip 1024 --trace traces/demo.h5"
"$MARSIM" simulate --checkpoint "$CKPT" --text-file "$HELDOUT" --limit 1024 --timesteps 4 \
    --calibration-text "$HELDOUT" --calibration-skip 1024 --trace traces/demo.h5

step "3b. Thresholds learned site by site on the output error (the output rule), written to a file, then simulated" \
     "marsim calibrate --calibration-text $HELDOUT --calibration-skip 1024 --rule output -T 4 --out traces/thresholds-T4.safetensors"
"$MARSIM" calibrate --checkpoint "$CKPT" --calibration-text "$HELDOUT" --calibration-skip 1024 --rule output -T 4 \
    --out traces/thresholds-T4.safetensors 2>/dev/null | tail -3
"$MARSIM" simulate --checkpoint "$CKPT" --text-file "$HELDOUT" --limit 1024 --timesteps 4 \
    --thresholds traces/thresholds-T4.safetensors | sed -n 6,9p

step "4. What the trace holds, and a spike raster" "marsim trace traces/demo.h5 --plot traces/demo-raster.svg"
"$MARSIM" trace traces/demo.h5 --plot traces/demo-raster.svg > traces/demo-trace.txt
sed -n 1,12p traces/demo-trace.txt; echo "… (full summary in traces/demo-trace.txt)"

step "5. Joules per token under every shipped hardware profile, beside the dense model" "marsim energy traces/demo.h5"
"$MARSIM" energy traces/demo.h5 > traces/demo-energy.txt
sed -n 1,21p traces/demo-energy.txt; echo "… (breakdowns in traces/demo-energy.txt)"

step "6. Energy what-if: T × placement, every profile, plots (thresholds from the tokens after the evaluated ones)" \
     "marsim whatif --text-file $HELDOUT --limit 1024 --timesteps 1,2,4,8 --placement mixer,mlp,all --out traces/whatif --overwrite"
"$MARSIM" whatif --checkpoint "$CKPT" --text-file "$HELDOUT" --limit 1024 --timesteps 1,2,4,8 \
    --placement mixer,mlp,all --out traces/whatif --overwrite

printf '\nPlots: traces/demo-raster.svg, traces/whatif/energy-vs-fidelity-*.svg, traces/whatif/breakdown-*.svg, traces/whatif/break-even-*.svg\n'
