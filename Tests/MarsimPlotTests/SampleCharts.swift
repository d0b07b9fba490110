import MarsimPlot

/// Charts with realistic content, shared by the tests (and rendered to PNG by hand for review).
enum SampleCharts {
    /// Energy per token vs fidelity for two calibration rules at T = 1…16 (numbers shaped like DESIGN.md §2).
    static var scatter: ScatterChart {
        let quantile = [(1, 0.02, 2.9e-5), (2, 0.65, 2.1e-4), (4, 0.83, 7.0e-4), (8, 0.90, 1.76e-3), (16, 0.91, 3.94e-3)]
        let grid = [(1, 0.41, 2.7e-4), (2, 0.71, 5.3e-4), (4, 0.86, 1.0e-3), (8, 0.90, 1.94e-3)]
        return ScatterChart(
            title: "Energy per token vs agreement with dense <tiny-llamba & \"bytes\">",
            xLabel: "top-1 agreement with dense", yLabel: "energy per token (J)", yScale: .log,
            series: [
                .init(name: "quantile rule", points: quantile.map { .init(x: $0.1, y: $0.2, label: "T=\($0.0)") },
                      connected: true),
                .init(name: "grid calibration", points: grid.map { .init(x: $0.1, y: $0.2, label: "T=\($0.0)") },
                      connected: true),
            ],
            highlights: [.init(name: "dense", x: 1.0, y: 4.83e-3)])
    }

    static var stacked: StackedBarChart {
        StackedBarChart(
            title: "Energy per token by cost kind",
            yLabel: "energy per token (J)",
            segmentNames: ["ac", "mac", "neuron update", "memory.weights", "memory.state", "static"],
            bars: [
                .init(label: "dense", values: [0, 4.8e-3, 0, 6.8e-1, 1.2e-2, 0]),
                .init(label: "T=2", values: [2.1e-4, 1.1e-3, 3.1e-5, 1.5e-1, 1.3e-2, 0]),
                .init(label: "T=4", values: [7.0e-4, 1.1e-3, 6.2e-5, 5.0e-1, 1.4e-2, 0]),
                .init(label: "T=8", values: [1.8e-3, 1.1e-3, 1.2e-4, 1.27, 1.6e-2, 0]),
            ])
    }

    static var raster: SpikeRaster {
        // A deterministic pseudo-random pattern: 3 populations × 40 neurons, 4 ticks per site, 0.1 ms ticks.
        var events: [SpikeRaster.Event] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        for token in 0..<5 {
            for site in 0..<3 {
                for tick in 0..<4 {
                    let t = Double((token * 3 + site) * 4 + tick) * 0.1
                    for neuron in 0..<40 where next() % 100 < 12 {
                        events.append(.init(timeMs: t, row: site * 40 + neuron, polarity: next() % 2 == 0 ? 1 : -1))
                    }
                }
            }
        }
        return SpikeRaster(title: "Spikes, layer 0", events: events, rowCount: 120,
                           groups: [.init(name: "mixer.in_proj", rows: 0..<40), .init(name: "mixer.out_proj", rows: 40..<80),
                                    .init(name: "mlp.down_proj", rows: 80..<120)])
    }

    static var hbar: HorizontalBarChart {
        HorizontalBarChart(
            title: "Firing rate per spiking site",
            xLabel: "firing rate (% of neurons × ticks)",
            bars: (0..<4).flatMap { layer in
                [("mixer.in_proj", 0.09), ("mixer.out_proj", 0.14), ("mlp.gate_up_proj", 0.11), ("mlp.down_proj", 0.19)]
                    .map { HorizontalBarChart.Bar(label: "layer0\(layer).\($0.0)", value: $0.1 + Double(layer) * 0.01) }
            },
            valueStyle: .percent)
    }
}
