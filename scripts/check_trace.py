#!/usr/bin/env python3
"""Check marsim traces with third-party readers: h5py for the layout, libsonata for SONATA.

Usage: scripts/check_trace.py TRACE.h5 [TRACE.h5 ...]

For each trace: checks the SONATA root attributes (magic 0x0A7A, version [0, 1]), each
population's `sorting` enum (by_time), dataset types and `units`, and that timestamps are in
time order; reads every population with libsonata's SpikeReader; prints the spike count per
population and overall, and checks that libsonata, the dataset lengths (h5py) and marsim's
per-token event counts (/marsim/tokens/event_counts) agree. Exit status 1 if any check fails.

Traces written with deflate-compressed spikes (SpikeCompression.deflate) cannot be read by
libsonata's pip wheels, whose HDF5 lacks zlib; the default (portable) traces can.
"""
import sys

import h5py
import libsonata
import numpy as np

MAGIC = 0x0A7A
SONATA_VERSION = [0, 1]


class Check:
    """Collects failures; prints each as one line naming the trace."""

    def __init__(self, path):
        self.path = path
        self.failures = 0

    def expect(self, condition, message):
        if not condition:
            self.failures += 1
            print(f"FAIL {self.path}: {message}")
        return condition


def enum_name(attribute_value, dtype):
    """The member name of an HDF5 enum value, or None when the type is not an enum."""
    mapping = h5py.check_enum_dtype(dtype)
    if mapping is None:
        return None
    names = {value: name for name, value in mapping.items()}
    return names.get(int(attribute_value))


def check_layout(path, check):
    """h5py: root attributes, /marsim, populations. Returns {population: (dataset rows, counted events)}."""
    expected = {}
    with h5py.File(path, "r") as f:
        magic = f.attrs.get("magic")
        check.expect(magic is not None and magic.dtype == np.uint32 and int(magic) == MAGIC,
                     f"root attribute magic is {magic!r}, expected uint32 0x0A7A")
        version = f.attrs.get("version")
        check.expect(version is not None and version.dtype == np.uint32 and list(version) == SONATA_VERSION,
                     f"root attribute version is {version!r}, expected uint32 [0, 1]")
        if not check.expect("marsim" in f, "no /marsim group"):
            return expected
        marsim = f["marsim"]
        level = marsim.attrs["level"]
        tokens = int(marsim.attrs["tokens_flushed"])
        complete = int(marsim.attrs.get("complete", 0)) == 1
        print(f"{path}: format {[int(v) for v in marsim.attrs['format_version']]}, level {level}, "
              f"{tokens} tokens, {'complete' if complete else 'INCOMPLETE'}")
        sites = [s.decode() if isinstance(s, bytes) else s for s in marsim["spiking_sites"][()]]
        if level != "events":
            print(f"{path}: counts-level trace, no spikes to check")
            return expected
        counts = marsim["tokens/event_counts"][:tokens] if sites else np.zeros((tokens, 0), dtype=np.uint64)
        spikes = f["spikes"]
        check.expect(sorted(spikes.keys()) == sorted(sites), f"populations {sorted(spikes.keys())} != sites {sorted(sites)}")
        for index, site in enumerate(sites):
            if not check.expect(site in spikes, f"population {site} missing"):
                continue
            group = spikes[site]
            sorting = group.attrs.get("sorting")
            check.expect(sorting is not None and enum_name(sorting, group.attrs.get_id("sorting").dtype) == "by_time",
                         f"{site}: sorting is {sorting!r}, expected the enum value by_time")
            node_ids, timestamps, polarity = group["node_ids"], group["timestamps"], group["polarity"]
            check.expect(node_ids.dtype == np.uint64, f"{site}/node_ids is {node_ids.dtype}, expected uint64")
            check.expect(timestamps.dtype == np.float64, f"{site}/timestamps is {timestamps.dtype}, expected float64")
            check.expect(polarity.dtype == np.int8, f"{site}/polarity is {polarity.dtype}, expected int8")
            check.expect(timestamps.attrs.get("units") == "ms", f"{site}/timestamps units is {timestamps.attrs.get('units')!r}")
            counted = int(counts[:, index].sum())
            rows = len(node_ids)
            check.expect(len(timestamps) == rows and len(polarity) == rows, f"{site}: datasets differ in length")
            check.expect(rows == counted if complete else rows >= counted,
                         f"{site}: {rows} rows but event_counts accounts for {counted}")
            try:
                times = timestamps[:counted]
                check.expect(bool(np.all(np.diff(times) >= 0)), f"{site}: timestamps not in time order")
                values = polarity[:counted]
                check.expect(bool(np.all(np.abs(values) == 1)), f"{site}: polarity not ±1")
            except OSError as error:  # e.g. a filter this h5py lacks
                check.expect(False, f"{site}: h5py cannot read the events: {error}")
            expected[site] = (rows, counted)
    return expected


def check_sonata(path, expected, check):
    """libsonata: every population's events, compared with the h5py view."""
    if not expected:
        return
    reader = libsonata.SpikeReader(path)
    names = sorted(reader.get_population_names())
    check.expect(names == sorted(expected), f"libsonata populations {names} != {sorted(expected)}")
    total = 0
    print(f"{'population':<28} {'libsonata':>10} {'h5py rows':>10} {'counted':>10}  sorting")
    for name in names:
        try:
            population = reader[name]
            events = population.get_dict()
        except RuntimeError as error:
            check.expect(False, f"libsonata cannot read {name} (deflated spikes need an HDF5 with zlib): "
                                f"{str(error).splitlines()[0]}")
            continue
        count = len(events["node_ids"])
        total += count
        rows, counted = expected.get(name, (None, None))
        print(f"{name:<28} {count:>10} {rows:>10} {counted:>10}  {population.sorting}")
        check.expect(count == rows, f"{name}: libsonata reads {count} spikes, the dataset has {rows} rows")
        check.expect(population.sorting == "by_time", f"{name}: libsonata sorting {population.sorting}")
        check.expect(population.time_units == "ms", f"{name}: libsonata time units {population.time_units}")
    counted_total = sum(counted for _, counted in expected.values())
    print(f"{'total':<28} {total:>10} {sum(r for r, _ in expected.values()):>10} {counted_total:>10}")


def main(paths):
    if not paths:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failures = 0
    for path in paths:
        check = Check(path)
        try:
            check_sonata(path, check_layout(path, check), check)
        except (OSError, KeyError, RuntimeError) as error:
            check.expect(False, f"cannot read: {error}")
        failures += check.failures
        print(f"{path}: {'OK' if check.failures == 0 else f'{check.failures} failure(s)'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
