import ArgumentParser
import Foundation
import MarsimCheckpoint
@testable import MarsimCLI
import MarsimCore
import MarsimEnergy
import MarsimEngine
import MarsimTrace
import Testing

/// The pipeline end to end on the embedded checkpoint: simulate → trace → energy.
@Suite("Pipeline")
struct PipelineTests {
    static let checkpoint = try! Checkpoint.load(InspectCommandTests.tinyLlambaBytes)
    static let tokens = Array("The state space model reads bytes.".utf8).map(Int.init)

    static func temporaryTrace(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("marsim-\(name)-\(UUID().uuidString).h5").path
    }

    /// Simulates with `threads` workers (splitting even small projections) and traces every event.
    static func tracedRun(threads: Int, path: String) throws -> SimulationSummary {
        let model = checkpoint.model
        let placement = try Placement("all,lm_head", shape: model.shape)
        let parameters = ATMNParameters(timesteps: 3, tau: 1)
        let thresholds = try ThresholdSet.calibrated(model: model, tokens: tokens, sites: placement.sites, parameters: parameters,
                                                     rule: CalibrationRule(), sourceName: "test")
        var settings = SimulationSettings(mode: .spiking, parameters: parameters, placement: placement, thresholds: thresholds,
                                          threads: threads)
        settings.minimumParallelWork = 0
        let simulator = try Simulator(model: model, settings: settings)
        var metadata = simulator.runMetadata(checkpoint: checkpoint.identity(), tokens: tokens)
        metadata.startTime = "2026-01-01T00:00:00Z"
        let writer = try TraceWriter(path: path, metadata: metadata, level: .events)
        let summary = try simulator.run(tokens: tokens, bytesOfToken: { _ in 1 }) { activity, _ in try writer.append(activity) }
        try writer.finish(endTime: "2026-01-01T00:00:01Z")
        return summary
    }

    @Test("traces are identical at 1 and 2 threads, and read back what the run counted")
    func traceDeterminismAndRoundTrip() throws {
        let a = Self.temporaryTrace("t1"), b = Self.temporaryTrace("t2")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let summary = try Self.tracedRun(threads: 1, path: a)
        _ = try Self.tracedRun(threads: 2, path: b)
        let ra = try TraceReader(path: a), rb = try TraceReader(path: b)
        #expect(ra.isComplete && rb.isComplete)
        #expect(ra.tokensWritten == Self.tokens.count)
        #expect(try ra.counts() == rb.counts())
        #expect(try ra.fidelity() == rb.fidelity())
        for population in ra.populations {
            #expect(try ra.events(population: population) == rb.events(population: population))
        }
        // What the run counted is what the trace holds.
        let perUnit = try ra.totalCounts()
        #expect(perUnit == summary.countsPerUnit)
        #expect(ra.eventTotals().reduce(0, +) == summary.total.spikes)
        #expect(ra.metadata.spikingSites.last?.name == "lm_head")
        #expect(ra.metadata.thresholds.count == ra.metadata.spikingSites.count)
    }

    @Test("energy from a trace equals energy from the run's in-memory counts, under every shipped profile")
    func energyFromTrace() throws {
        let path = Self.temporaryTrace("energy")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = Self.checkpoint.model
        let placement = try Placement("all", shape: model.shape)
        let parameters = ATMNParameters(timesteps: 2, tau: 1)
        let settings = SimulationSettings(mode: .spiking, parameters: parameters, placement: placement,
                                          thresholds: .fixed(0.5, sites: placement.sites, shape: model.shape))
        let simulator = try Simulator(model: model, settings: settings)
        let metadata = simulator.runMetadata(checkpoint: Self.checkpoint.identity(), tokens: Self.tokens)
        let writer = try TraceWriter(path: path, metadata: metadata, level: .counts)
        var counts: [[ActivityCounts]] = []
        _ = try simulator.run(tokens: Self.tokens, bytesOfToken: nil) { activity, _ in
            counts.append(activity.counts)
            try writer.append(activity)
        }
        try writer.finish(endTime: "now")
        let reader = try TraceReader(path: path)
        let fromTrace = EnergyInputs(metadata: reader.metadata, counts: try reader.counts())
        let inMemory = EnergyInputs(counts: counts, units: metadata.units, denseBaseline: metadata.denseBaseline, schedule: metadata.schedule)
        #expect(fromTrace == inMemory)
        for profile in try ProfileOptions.parse([]).load() {
            let r = try EnergyModel.report(profile: profile, inputs: fromTrace)
            #expect(r == (try EnergyModel.report(profile: profile, inputs: inMemory)))
            #expect(r.joulesPerToken > 0 && r.denseBaselineJoulesPerToken > 0)
        }
        // The compute-only profile is the MAR convention: 4.6 pJ per MAC + 0.9 pJ per AC.
        let compute = try HardwareProfile.load(path: ProfileOptions.shippedDirectory.appendingPathComponent("horowitz-45nm-compute.toml").path)
        let r = try EnergyModel.report(profile: compute, inputs: fromTrace)
        let total = counts.flatMap { $0 }.reduce(ActivityCounts(), +)
        let expected = (4.6e-12 * Double(total.denseMACs) + 0.9e-12 * Double(total.synapticOps)) / Double(Self.tokens.count)
        #expect(abs(r.joulesPerToken - expected) <= 1e-12 * expected)
    }

    /// On a real run (the embedded checkpoint, T = 2, MAR's four sites) under the compute-only
    /// profile, where a site has no fixed cost: every site breaks even at E_mac ÷ (E_ac × T) =
    /// 4.6 ÷ 1.8 against dense and at 4.6 × (2/32) ÷ 1.8 against the 2-bit quantised baseline; the
    /// whole model where the line through the measured point with slope ACs ÷ rate meets the
    /// baseline, all recomputed here from the counts alone.
    @Test("break-even rates and the quantised baseline on a real run, by hand")
    func breakEvenOnARun() throws {
        let model = Self.checkpoint.model
        let placement = try Placement("all", shape: model.shape)
        let settings = SimulationSettings(mode: .spiking, parameters: ATMNParameters(timesteps: 2, tau: 1), placement: placement,
                                          thresholds: .fixed(0.5, sites: placement.sites, shape: model.shape))
        let simulator = try Simulator(model: model, settings: settings)
        var counts: [[ActivityCounts]] = []
        _ = try simulator.run(tokens: Self.tokens, bytesOfToken: nil) { activity, _ in counts.append(activity.counts) }
        let metadata = simulator.runMetadata(checkpoint: Self.checkpoint.identity(), tokens: Self.tokens)
        let inputs = EnergyInputs(metadata: metadata, counts: counts)
        let compute = try HardwareProfile.load(path: ProfileOptions.shippedDirectory.appendingPathComponent("horowitz-45nm-compute.toml").path)
        let r = try EnergyModel.report(profile: compute, inputs: inputs)

        let n = Double(Self.tokens.count)
        let run = counts.flatMap { $0 }.reduce(ActivityCounts(), +)
        let dense = metadata.denseBaseline.reduce(ActivityCounts(), +)
        let siteMACs = zip(metadata.units, metadata.denseBaseline).filter { placement.sites.contains($0.0) }.reduce(0) { $0 + $1.1.denseMACs }
        func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-9 * abs(b) } ?? false }
        #expect(r.quantizedActivationBits == 2)
        #expect(close(r.quantizedBaselineJoulesPerToken, 4.6e-12 * Double(dense.denseMACs) - 4.6e-12 * (1 - 2.0 / 32) * Double(siteMACs)))
        #expect(r.siteBreakEvens.count == placement.sites.count)
        for (unit, site) in r.siteBreakEvens {
            #expect(close(site.dense, 4.6 / 1.8), "\(unit)")
            #expect(close(site.quantized, 4.6 * 2 / 32 / 1.8), "\(unit)")
        }
        let rate = Double(run.spikes) / Double(run.neuronUpdates)
        #expect(close(r.firingRate, rate))
        let runJoules = (4.6e-12 * Double(run.denseMACs) + 0.9e-12 * Double(run.synapticOps)) / n
        let slope = 0.9e-12 * Double(run.synapticOps) / n / rate
        #expect(close(r.breakEvenFiringRate, rate + (4.6e-12 * Double(dense.denseMACs) - runJoules) / slope))
        #expect(close(r.quantizedBreakEvenFiringRate, rate + (r.quantizedBaselineJoulesPerToken - runJoules) / slope))
        #expect(r.joulesPerTokenInterval == [r.joulesPerToken, r.joulesPerToken], "the profile has no ranges")
    }

    @Test("the dense baseline in a trace is the model run with no spiking site")
    func denseBaseline() throws {
        let simulator = try Simulator(model: Self.checkpoint.model, settings: SimulationSettings(
            mode: .dense, parameters: ATMNParameters(timesteps: 1, tau: 1), placement: try Placement("none", shape: Self.checkpoint.model.shape),
            thresholds: ThresholdSet(values: [:], source: "none")))
        let summary = try simulator.run(tokens: [65], bytesOfToken: nil) { _, _ in }
        #expect(summary.countsPerUnit == simulator.denseBaseline())
    }

    @Test("command-line mistakes get a message that says what to do", arguments: [
        (["simulate", "--text", "a", "--input-ids", "1"], "exactly one of --text, --text-file or --input-ids"),
        (["simulate"], "exactly one of --text, --text-file or --input-ids"),
        (["simulate", "--text", "a", "--timesteps", "0"], "--timesteps between 1 and 255"),
        (["simulate", "--text", "a", "--tau=-1"], "positive --tau"),
        (["simulate", "--text", "a", "--thresholds", "x", "--calibration-text", "y"], "either --thresholds or --calibration-text"),
        (["whatif", "--text-file", "x", "--out", "o", "--timesteps", "1,x"], "--timesteps as a comma-separated list"),
        (["energy", "t.h5", "--json", "--csv"], "one of --json and --csv"),
        (["eval", "--tasks", "t.jsonl", "--limit", "0"], "--limit of at least 1"),
    ])
    func validation(_ arguments: [String], _ message: String) {
        #expect {
            _ = try MarsimCommand.parseAsRoot(arguments)
        } throws: { error in
            MarsimCommand.message(for: error).contains(message)
        }
    }

    @Test("run-time errors are one line naming the file")
    func runtimeErrors() throws {
        var command = try SimulateCommand.parse(["--checkpoint", "/nonexistent/ckpt", "--text", "a"])
        #expect {
            try command.run()
        } throws: { error in
            let text = String(describing: error)
            return text.contains("/nonexistent/ckpt") && !text.contains("\n")
        }
        command = try SimulateCommand.parse(["--text", "a", "--trace", "/nonexistent/dir/run.h5"])
        #expect {
            try command.run()
        } throws: { error in
            String(describing: error).contains("/nonexistent/dir/run.h5")
        }
    }
}

@Suite("Chunked traces")
struct ChunkedTraceTests {
    /// A traced spiking run (event delivery) of the pipeline's tokens in chunks of `chunk`.
    static func traced(chunk: Int, path: String) throws -> TraceReader {
        let model = PipelineTests.checkpoint.model
        let placement = try Placement("all", shape: model.shape)
        let parameters = ATMNParameters(timesteps: 3, tau: 1)
        var settings = SimulationSettings(mode: .spiking, parameters: parameters, placement: placement,
                                          thresholds: .fixed(0.2, sites: placement.sites, shape: model.shape))
        settings.chunk = chunk
        settings.delivery = .events
        let simulator = try Simulator(model: model, settings: settings)
        var metadata = simulator.runMetadata(checkpoint: PipelineTests.checkpoint.identity(), tokens: PipelineTests.tokens)
        metadata.startTime = "2026-01-01T00:00:00Z"
        let writer = try TraceWriter(path: path, metadata: metadata, level: .events)
        _ = try simulator.run(tokens: PipelineTests.tokens, bytesOfToken: { _ in 1 }) { activity, _ in try writer.append(activity) }
        try writer.finish(endTime: "2026-01-01T00:00:01Z")
        return try TraceReader(path: path)
    }

    @Test("a chunked run's trace holds the token-by-token run's spikes and counts; chunk lengths and shared reads recorded")
    func chunkedTraceEqualsDecode() throws {
        let a = PipelineTests.temporaryTrace("c1"), b = PipelineTests.temporaryTrace("c8")
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let one = try Self.traced(chunk: 1, path: a), chunked = try Self.traced(chunk: 8, path: b)
        #expect(try one.counts() == chunked.counts())
        #expect(one.eventCounts() == chunked.eventCounts())
        for population in one.populations {
            #expect(try one.events(population: population) == chunked.events(population: population))
        }
        let n = PipelineTests.tokens.count
        #expect(try one.chunkLengths() == Array(repeating: 1, count: n))
        #expect(try chunked.chunkLengths() == (0..<n).map { $0 < n / 8 * 8 ? 8 : n % 8 })
        // Per unit over the run, shared reads never exceed the token-alone reads (a token's even share of
        // its chunk can, when it fired less than its neighbours), and a chunk of 8 shares its dense weights.
        let alone = try chunked.counts().map { $0.map(\.weightsRead) }
        let shared = try #require(try chunked.sharedWeightReads())
        for u in one.metadata.units.indices {
            #expect(shared.reduce(0) { $0 + $1[u] } <= alone.reduce(0) { $0 + $1[u] }, "\(one.metadata.units[u].name)")
        }
        #expect(shared.joined().reduce(0, +) * 4 < alone.joined().reduce(0, +))
    }
}
