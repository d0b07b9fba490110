#!/usr/bin/env python3
"""Check a `marsim export --nir` file with the nir package itself, against the trace it came from.

Usage: scripts/check_nir.py OUT.nir [TRACE.h5]      (needs: pip install nir h5py)

Reads OUT.nir with `nir.read_data` (nir >= 1.0.8) and checks that it is an NIRGraphData whose
nodes each hold one ValuedEventData observable `spikes` with batch dimension 1, values ±1, times
within [0, t_max) and indices below n_neurons. Given the trace, also checks with h5py that every
spiking site is a node and that idx, time and value equal the population's node_ids, timestamps
and polarity event for event, n_neurons equals the site's fan-in (its threshold vector) and t_max
the run's span. Prints one line per node and a total; exit status 1 if any check fails.
"""
import sys

import h5py
import nir
import numpy as np


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)
            print(f"FAIL {argv[1]}: {message}")
        return condition

    data = nir.read_data(argv[1])
    expect(isinstance(data, nir.NIRGraphData), "root is not NIRGraphData")
    trace = h5py.File(argv[2], "r") if len(argv) == 3 else None
    if trace is not None:
        sites = sorted(trace["spikes"].keys())
        expect(sorted(data.nodes) == sites, f"nodes {sorted(data.nodes)} differ from the trace's populations {sites}")
    total = 0
    for name, node in sorted(data.nodes.items()):
        spikes = node.observables.get("spikes")
        if not expect(isinstance(spikes, nir.ValuedEventData), f"{name}: no ValuedEventData 'spikes'"):
            continue
        n = spikes.idx.shape[1] if spikes.idx.ndim == 2 else -1
        expect(spikes.idx.shape[0] == 1, f"{name}: batch dimension {spikes.idx.shape[0]}, expected 1")
        expect(np.all(np.abs(spikes.value) == 1), f"{name}: values other than ±1")
        expect(np.all((spikes.time >= 0) & (spikes.time < spikes.t_max)), f"{name}: times outside [0, t_max)")
        expect(np.all((spikes.idx >= 0) & (spikes.idx < spikes.n_neurons)), f"{name}: idx outside [0, n_neurons)")
        if trace is not None and name in trace["spikes"]:
            population = trace["spikes"][name]
            expect(np.array_equal(spikes.idx[0], population["node_ids"][()].astype(np.int64)), f"{name}: idx != node_ids")
            expect(np.array_equal(spikes.time[0], population["timestamps"][()]), f"{name}: time != timestamps")
            expect(np.array_equal(spikes.value[0], population["polarity"][()].astype(np.float32)), f"{name}: value != polarity")
            expect(spikes.n_neurons == trace["marsim/thresholds"][name].shape[0], f"{name}: n_neurons != fan-in")
        total += max(n, 0)
        print(f"{name}: {n} events, n_neurons {spikes.n_neurons}, t_max {spikes.t_max:g} ms")
    if trace is not None:
        tokens = trace["marsim/tokens/position"].shape[0]
        run = trace["marsim"].attrs
        span = tokens * int(run["sites_per_token"]) * int(run["timesteps"]) * float(run["tick_period_ms"])
        for name, node in data.nodes.items():
            expect(node.observables["spikes"].t_max == span, f"{name}: t_max {node.observables['spikes'].t_max} != {span}")
    print(f"{argv[1]}: {len(data.nodes)} nodes, {total} events" + ("" if failures else ", all checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
