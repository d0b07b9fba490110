import ArgumentParser
import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

// MARK: - Trace sink

/// Where each token's activity goes after the decode step in `marsim bench`: the HDF5 trace writer,
/// whose cost per token is measured as `trace_overhead`.
public protocol TokenSink {
    /// Takes one token's activity: counts per unit, and (at `events` level) the spikes of every site.
    mutating func consume(_ activity: TokenActivity) throws
    /// Flushes and closes whatever the sink writes.
    mutating func finish() throws
}

extension TraceWriter: TokenSink {
    public func consume(_ activity: TokenActivity) throws { try append(activity) }
    public func finish() throws { try finish(endTime: ISO8601DateFormatter().string(from: Date())) }
}

// MARK: - Command

/// `marsim bench`: decode speed of the dense and spiking engines against the machine's limits.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure dense and spiking decode speed (ms per token) against the machine's bandwidth and add limits.",
        discussion: """
        Builds a synthetic model of the chosen shape with deterministic random weights (no download; \
        see SyntheticModel) and also runs a checkpoint (--checkpoint, default the embedded \
        checkpoints/tiny-llamba-bytes; --no-fixture skips it).

        Per token, after warm-up, as medians with min–max over interleaved rounds: dense decode; \
        spiking decode (placement all, T = 4, lm_head dense) with thresholds steered to about 5%, 20% \
        and 50% firing, timing the spiking forward pass alone (ForwardPass.step with a SpikingRunner; \
        `simulate` also runs the dense model beside it for fidelity, which this excludes); the cost \
        of handing each token's activity to a trace sink at levels events and counts; peak resident \
        memory.

        Limits measured in the same run, after every round: read bandwidth (a sum over the model's \
        embedding, all threads) gives the dense bound = weight bytes per token ÷ bandwidth; add \
        throughput (weight columns streamed from DRAM) gives the spiking bound = ACs ÷ adds per second.

        Time a release build: make release && .build/release/marsim bench --shape llamba-1b
        """
    )

    @Option(help: "Synthetic model shape: tiny (the embedded checkpoint's shape) or llamba-1b (1.27 B parameters, 5.1 GB of fp32 weights).")
    var shape: SyntheticShape = .llamba1b

    @Option(help: "Timed tokens per configuration and round.")
    var tokens: Int = 8

    @Option(help: "Timed rounds: in each, every configuration decodes one untimed and --tokens timed tokens; figures are medians over all timed tokens.")
    var runs: Int = 3

    @Option(help: "Untimed warm-up tokens before the first run.")
    var warmup: Int = 2

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seed of the synthetic weights and token ids.")
    var seed: UInt64 = SyntheticModel.defaultSeed

    @Option(help: "Ticks per token T of the spiking runs.")
    var timesteps: Int = 4

    @OptionGroup(title: "Checkpoint benchmarked beside the synthetic model")
    var checkpointOptions: CheckpointOptions

    @Flag(help: "Skip the checkpoint (by default the embedded tiny one).")
    var noFixture = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    public init() {}

    public func validate() throws {
        guard threads >= 1 else { throw ValidationError("Please give --threads of at least 1.") }
        guard tokens >= 1, runs >= 1, warmup >= 0 else { throw ValidationError("Please give --tokens and --runs ≥ 1 and --warmup ≥ 0.") }
        guard (1...255).contains(timesteps) else { throw ValidationError("Please give --timesteps between 1 and 255.") }
    }

    /// The sink whose per-token cost `trace_overhead` reports: the HDF5 trace writer at `level`, in
    /// `directory` (a fresh temporary directory the bench deletes afterwards).
    static func makeTraceSink(level: TraceLevel, directory: URL, metadata: RunMetadata) throws -> any TokenSink {
        try TraceWriter(path: directory.appendingPathComponent("\(level.rawValue).h5").path, metadata: metadata, level: level)
    }

    public func run() throws {
        try oneLineErrors {
            var log = BenchLog(quiet: false)
            let loadStart = Machine.loadAverage()
            log.note("measuring read bandwidth and add throughput …")
            let limitsStart = Limits.measure(threads: threads)
            log.note(limitsStart.summary(threads: threads))
            let peakReset = Machine.resetPeakResident()
            log.note("building synthetic \(shape.rawValue) model …")
            let buildStart = DispatchTime.now().uptimeNanoseconds
            let model = SyntheticModel.make(shape: shape.modelShape, seed: seed, threads: threads)
            let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
            log.note(String(format: "built in %.1f s: %.2f GB of weights", buildSeconds, Double(SyntheticModel.weightBytes(model)) / 1e9))
            let tokenIDs = Self.randomTokens(count: warmup + runs * (tokens + 1) + 8, vocab: model.shape.vocabSize, seed: seed)
            let options = ModelBench.Options(tokens: tokens, runs: runs, warmup: warmup, threads: threads, timesteps: timesteps,
                                             singleThreadDense: threads > 1)
            // The limits are measured again after every timed round, over the model's embedding when it is
            // large (no extra memory), so that the bounds and the timings share the same conditions.
            let roundLimits: (() -> Limits)? = model.embedding.count * MemoryLayout<Float>.size >= 256 << 20
                ? { [threads] in model.embedding.withUnsafeBufferPointer { Limits.measure(threads: threads, data: $0, repeats: 3) } } : nil
            var synthetic = try ModelBench.run(model: model, name: "synthetic \(shape.rawValue) (seed \(seed))", tokenIDs: tokenIDs,
                                               limits: limitsStart, roundLimits: roundLimits, options: options, log: &log)
            synthetic.buildSeconds = buildSeconds
            let peak = Machine.peakResidentBytes()
            let best = synthetic.limits
            var fixture: ModelBench.Result? = nil
            if !noFixture {
                let directory = checkpointOptions.resolvedDirectory()
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) {
                    log.note("checkpoint \(directory.lastPathComponent) …")
                    let checkpoint = try Checkpoint.load(directory)
                    var ids = (try? Data(contentsOf: directory.appendingPathComponent("heldout.txt"))).map { Array($0).map(Int.init) } ?? []
                    if ids.count < tokenIDs.count || checkpoint.model.shape.vocabSize < 256 {
                        ids = Self.randomTokens(count: 4 * (warmup + runs * (tokens + 1) + 8), vocab: checkpoint.model.shape.vocabSize, seed: seed)
                    }
                    fixture = try ModelBench.run(model: checkpoint.model, name: "checkpoint \(directory.lastPathComponent)", tokenIDs: ids,
                                                 limits: best, roundLimits: nil, options: options, log: &log)
                } else {
                    log.note("no checkpoint at \(directory.path); skipped")
                }
            }
            let report = BenchReport(shape: shape.rawValue, model: synthetic, fixture: fixture, limits: best,
                                     limitsMeasured: [limitsStart] + synthetic.limits_per_round, threads: threads,
                                     peakRSS: peak, peakRSSExcludesLimits: peakReset, loadStart: loadStart, loadEnd: Machine.loadAverage())
            print(json ? try report.json() : report.table())
        }
    }

    /// Deterministic token ids in 0 ..< vocab.
    static func randomTokens(count: Int, vocab: Int, seed: UInt64) -> [Int] {
        var state = seed ^ 0x746F_6B65_6E73
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(vocab))
        }
    }
}

extension SyntheticShape: ExpressibleByArgument {}

// MARK: - Machine

/// Facts about the machine and the process.
enum Machine {
    static func loadAverage() -> [Double] {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) == 3 ? loads : []
    }

    /// Resets the resident-set high-water mark (Linux: /proc/self/clear_refs ← 5), so that buffers
    /// of the limit measurements do not count; false when the kernel does not allow it.
    @discardableResult static func resetPeakResident() -> Bool {
        #if os(Linux)
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil
        #else
        return false
        #endif
    }

    /// The resident-set high-water mark in bytes (VmHWM since the last reset on Linux, else ru_maxrss).
    static func peakResidentBytes() -> Int {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kB * 1024
        }
        #endif
        return maxResidentBytes()
    }

    /// getrusage's ru_maxrss in bytes (never reset).
    static func maxResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #endif
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// Progress notes on stderr.
struct BenchLog {
    var quiet: Bool
    mutating func note(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(("bench: " + text + "\n").utf8))
    }
}

/// The machine's limits, measured once per bench run.
struct Limits: Encodable {
    enum CodingKeys: String, CodingKey {
        case bandwidthGBs = "bandwidth_gbs", bandwidth1ThreadGBs = "bandwidth_1thread_gbs"
        case addsPerSecond = "adds_per_second", addsPerSecondCached = "adds_per_second_cached"
    }

    var bandwidthGBs: Double
    var bandwidth1ThreadGBs: Double
    /// Adds per second with every weight streamed from DRAM (512 MiB of 8 KB columns): the spiking bound's divisor.
    var addsPerSecond: Double
    /// The same with the columns in cache (256 KB).
    var addsPerSecondCached: Double

    func summary(threads: Int) -> String {
        String(format: "bandwidth %.1f GB/s (%d threads), %.1f GB/s (1 thread); adds %.2f G/s from DRAM, %.1f G/s cached",
               bandwidthGBs, threads, bandwidth1ThreadGBs, addsPerSecond / 1e9, addsPerSecondCached / 1e9)
    }

    /// Measures the limits over `data` (at least 256 MiB, e.g. a large model's embedding: no extra
    /// memory) or, when nil, over a fresh 512 MiB buffer. Bandwidth is the best of one and four
    /// streams per thread (the bound must be the most the machine can read).
    static func measure(threads: Int, data: UnsafeBufferPointer<Float>? = nil, repeats: Int = 5) -> Limits {
        func measure(_ data: UnsafeBufferPointer<Float>) -> Limits {
            func bandwidth(_ threads: Int) -> Double {
                max(MachineLimits.readBandwidth(data, threads: threads, streams: 1, repeats: repeats),
                    MachineLimits.readBandwidth(data, threads: threads, streams: 4, repeats: repeats))
            }
            let bw = bandwidth(threads)
            let bw1 = threads > 1 ? bandwidth(1) : bw
            let cold = MachineLimits.addThroughput(data, threads: threads, minimumAdds: min(data.count, 1 << 28), repeats: repeats)
            let cached = MachineLimits.addThroughput(bytes: 256 << 10, threads: threads, minimumAdds: 1 << 28, repeats: repeats)
            return Limits(bandwidthGBs: bw / 1e9, bandwidth1ThreadGBs: bw1 / 1e9, addsPerSecond: cold, addsPerSecondCached: cached)
        }
        if let data { return measure(data) }
        let n = (512 << 20) / MemoryLayout<Float>.size
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buffer.deallocate() }
        MachineLimits.fillDistinct(buffer, count: n)
        return measure(UnsafeBufferPointer(start: buffer, count: n))
    }

    /// Each figure's median over several measurements.
    static func median(_ all: [Limits]) -> Limits {
        func m(_ f: (Limits) -> Double) -> Double { Timing(all.map(f)).median }
        return Limits(bandwidthGBs: m(\.bandwidthGBs), bandwidth1ThreadGBs: m(\.bandwidth1ThreadGBs), addsPerSecond: m(\.addsPerSecond),
                      addsPerSecondCached: m(\.addsPerSecondCached))
    }
}

/// Per-token times in milliseconds.
struct Timing: Encodable {
    var median: Double
    var min: Double
    var max: Double
    var samples: Int

    init(_ values: [Double]) {
        let s = values.sorted()
        median = s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
        min = s.first ?? 0
        max = s.last ?? 0
        samples = s.count
    }
}

@inline(__always) func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

// MARK: - One model

/// Records the inputs of chosen projections while running them dense (for threshold steering).
struct SiteInputRecorder: ProjectionRunner {
    var dense: DenseRunner
    let sites: [AccountingUnit: Int]
    /// Per site, the inputs of every token, one after another.
    var samples: [[Float]]

    mutating func run(_ p: Projection, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                      site: AccountingUnit, unit: Int, counts: inout TokenCounts) {
        if let s = sites[site] { samples[s].append(contentsOf: UnsafeBufferPointer(start: input, count: p.fanIn)) }
        dense.run(p, input: input, output: output, site: site, unit: unit, counts: &counts)
    }
}

/// Benchmarks one model: dense, spiking at steered firing rates, trace-sink cost.
enum ModelBench {
    struct Options {
        var tokens, runs, warmup, threads, timesteps: Int
        var singleThreadDense: Bool
    }

    struct SpikingPoint: Encodable {
        var target_rate: Double
        var rate: Double
        var ms_per_token: Double
        var ms_min: Double
        var ms_max: Double
        var events_per_token: Double
        var synaptic_ops_per_token: Double
        /// ACs ÷ adds per second (the issue's spiking bound).
        var bound_ms_per_token: Double
        /// ACs ÷ cache-resident adds per second (the relevant bound when the weights fit in cache).
        var bound_cached_ms_per_token: Double
        /// The bound plus the non-spiking parts' weight bytes ÷ bandwidth.
        var bound_with_dense_parts_ms_per_token: Double
        /// Weight bytes the non-spiking parts read per token (lm_head, norms, conv, scan parameters).
        var dense_part_bytes_per_token: Double
        /// Bytes of the distinct weight columns the events read, per token (a column read by several
        /// events of a token — a neuron firing at several ticks — may come from cache after the first).
        var distinct_column_bytes_per_token: Double
        /// distinct_column_bytes_per_token ÷ bandwidth: the least DRAM time of the event part.
        var bound_distinct_columns_ms_per_token: Double
        /// ms_per_token − the same pass with no events (encoding, lm_head, mixer, norms).
        var event_ms_per_token: Double
        var ns_per_synaptic_op: Double
        var threshold_scale: Double
    }

    struct TraceOverhead: Encodable {
        var level: String
        var sink: String
        /// Assembling TokenActivity and handing it to the sink, per token: the mean (a writer that
        /// flushes in batches pays on some tokens only, so the mean is the amortised cost), median, max.
        var sink_ms_per_token: Double
        var sink_ms_median: Double
        var sink_ms_max: Double
        var spiking_ms_per_token: Double
        var fraction: Double
    }

    struct Result: Encodable {
        var name: String
        var architecture: String
        var parameters: Int
        var weight_bytes: Int
        var weight_bytes_per_token: Int
        var dense: Timing
        var dense_1thread: Timing?
        var dense_bound_ms_per_token: Double
        var dense_bandwidth_fraction: Double
        var spiking_placement: String
        var timesteps: Int
        var spiking_fixed: Timing
        var spiking: [SpikingPoint]
        /// max |ns_per_synaptic_op(rate) ÷ their mean − 1| over the rates.
        var spiking_proportionality_spread: Double
        var trace_overhead: [TraceOverhead]
        var kernel_check: [String: Double]
        var build_seconds: Double?
        /// The limits the bounds use: medians of `limits_per_round` when measured per round.
        var limits: Limits
        var limits_per_round: [Limits]

        var buildSeconds: Double? { get { build_seconds } set { build_seconds = newValue } }

    }

    /// One configuration being timed: its own runner and recurrent state, decoding the shared token
    /// sequence from the start. `step` decodes one token and returns its time and counts.
    final class Lane {
        let label: String
        var cursor = 0
        var samples: [Double] = []
        var counted: [TokenCounts] = []
        /// Per token, the time spent in the trace sink (trace lanes only).
        var sinkSamples: [Double] = []
        /// Per timed token, the bytes of the distinct weight columns the events touched (spiking lanes).
        var distinctColumnBytes: [Double] = []
        var step: (Lane, Int, Bool) throws -> (Double, TokenCounts) = { _, _, _ in (0, TokenCounts(unitCount: 0)) }

        init(_ label: String) { self.label = label }

        func decode(_ tokenIDs: [Int], timed: Bool) throws {
            let token = tokenIDs[cursor % tokenIDs.count]
            let (ms, counts) = try step(self, token, timed)
            if timed {
                samples.append(ms)
                counted.append(counts)
            }
            cursor += 1
        }

        var timing: Timing { Timing(samples) }
    }

    /// A lane around `runner`; `beforeToken` runs inside the timed region, `afterToken` outside it.
    static func lane<R: ProjectionRunner>(_ label: String, pass: ForwardPass, runner: R, beforeToken: @escaping (inout R) -> Void = { _ in },
                                          afterToken: @escaping (Lane, inout R, Int, TokenCounts, Bool) throws -> Void = { _, _, _, _, _ in }) -> Lane {
        let lane = Lane(label)
        var runner = runner
        var state = RecurrentState(shape: pass.model.shape)
        let unitCount = pass.index.units.count
        lane.step = { lane, token, timed in
            var counts = TokenCounts(unitCount: unitCount)
            let start = DispatchTime.now().uptimeNanoseconds
            beforeToken(&runner)
            _ = pass.step(token: token, state: &state, runner: &runner, counts: &counts)
            let ms = milliseconds(since: start)
            try afterToken(lane, &runner, token, counts, timed)
            return (ms, counts)
        }
        return lane
    }

    static func run(model: LanguageModel, name: String, tokenIDs: [Int], limits: Limits, roundLimits: (() -> Limits)?,
                    options o: Options, log: inout BenchLog) throws -> Result {
        let pass = ForwardPass(model: model)
        let unitCount = pass.index.units.count

        // Dense counts and bound.
        let baseline = pass.denseCountsPerToken()
        let weightBytesPerToken = baseline.reduce(0) { $0 + $1.weightsRead } * MemoryLayout<Float>.size

        // Kernel check in this build: fast against reference on the first block's projections and
        // (the first 4096 rows of) the head: max |Δ|, the worst fraction of the rounding bound, and
        // whether 1 and 2 threads agree bit for bit.
        var check: [String: Double] = [:]
        let b0 = model.blocks[0]
        var checked = [("in_proj", b0.mixer.inProj), ("out_proj", b0.mixer.outProj)] + (b0.mlp.map { [("down_proj", $0.down)] } ?? [])
        let head = model.lmHead
        let rows = min(head.fanOut, 4096)
        checked.append(("lm_head", head.layout == .rowMajor
            ? Projection(fanIn: head.fanIn, fanOut: rows, layout: .rowMajor, weights: Array(head.weights[0..<(rows * head.fanIn)]), bias: nil)
            : head))
        for (label, p) in checked where p.fanIn * p.fanOut <= 1 << 25 {
            let r = KernelCheck.denseAgainstReference(p)
            check["\(label)_max_abs_difference"] = Double(r.maxAbsDifference)
            check["\(label)_worst_fraction_of_bound"] = Double(r.worstFractionOfBound)
            check["\(label)_threads_identical"] = r.threadsIdentical ? 1 : 0
        }

        // Spiking: placement all (lm_head stays dense), thresholds steered to target firing rates.
        let placement = try Placement("all", shape: model.shape)
        let sites = placement.sites
        let parameters = ATMNParameters(timesteps: o.timesteps, tau: 1)
        log.note("\(name): recording site inputs for threshold steering …")
        // The first tokens of the timed sequence (warm-up and the first run), so rates steered on them carry over.
        let calibrationTokens = Array(tokenIDs.prefix(min(tokenIDs.count, o.warmup + 1 + min(o.tokens, 6))))
        var recorder = SiteInputRecorder(dense: DenseRunner(threads: o.threads),
                                         sites: Dictionary(uniqueKeysWithValues: sites.enumerated().map { ($1, $0) }),
                                         samples: Array(repeating: [], count: sites.count))
        var calibrationState = RecurrentState(shape: model.shape)
        for token in calibrationTokens {
            var counts = TokenCounts(unitCount: unitCount)
            _ = pass.step(token: token, state: &calibrationState, runner: &recorder, counts: &counts)
        }
        let steering = ThresholdSteering(model: model, sites: sites, samples: recorder.samples, timesteps: o.timesteps)
        recorder.samples = []

        func spikingRunner(_ thresholds: ThresholdSet) throws -> SpikingRunner {
            try SpikingRunner(model: model, placement: placement, thresholds: thresholds, parameters: parameters, threads: o.threads)
        }
        /// Firing rate of the spiking model on the calibration tokens (fresh state).
        func measuredRate(_ thresholds: ThresholdSet) throws -> Double {
            var runner = try spikingRunner(thresholds)
            var state = RecurrentState(shape: model.shape)
            var total = ActivityCounts()
            for token in calibrationTokens {
                runner.beginToken()
                var counts = TokenCounts(unitCount: unitCount)
                _ = pass.step(token: token, state: &state, runner: &runner, counts: &counts)
                for c in counts.counts { total += c }
            }
            return Double(total.spikes) / Double(max(total.neuronUpdates, 1))
        }
        let targets = [0.05, 0.20, 0.50]
        var steered: [(target: Double, thresholds: ThresholdSet, scale: Double)] = []
        for target in targets {
            // Predict from the recorded dense inputs, then correct the target on the spiking model itself.
            var estimate = target, thresholds = steering.thresholds(rate: estimate), reached = try measuredRate(thresholds)
            for _ in 0..<3 where abs(reached / target - 1) > 0.08 && reached > 0 {
                estimate = min(0.98, max(1e-4, estimate * target / reached))
                thresholds = steering.thresholds(rate: estimate)
                reached = try measuredRate(thresholds)
            }
            log.note(String(format: "\(name): thresholds for ~%.0f%% firing: %.1f%% on the steering tokens", 100 * target, 100 * reached))
            steered.append((target, thresholds, steering.meanScale(rate: estimate)))
        }

        // The lanes, timed in rounds: every round runs each lane for one untimed and `tokens` timed
        // tokens, rotating the order, so load from other processes spreads evenly over the lanes.
        let dense = lane("dense", pass: pass, runner: DenseRunner(threads: o.threads))
        let dense1 = o.singleThreadDense ? lane("dense, 1 thread", pass: pass, runner: DenseRunner(threads: 1)) : nil
        let beginToken: (inout SpikingRunner) -> Void = { $0.beginToken() }
        let silent = lane("spiking, no events", pass: pass, runner: try spikingRunner(steering.thresholds(scale: .greatestFiniteMagnitude)),
                          beforeToken: beginToken)
        // Outside the timed region: the weight bytes of the distinct columns the token's events read
        // (each column must come from DRAM at least once per token; repeats may hit the cache).
        let siteFanOut = sites.map { model.shape.projectionSize($0.kind)!.fanOut }
        var seen = [[Bool]](repeating: [], count: sites.count)
        for (i, site) in sites.enumerated() { seen[i] = [Bool](repeating: false, count: model.shape.projectionSize(site.kind)!.fanIn) }
        let distinctColumns: (Lane, inout SpikingRunner, Int, TokenCounts, Bool) throws -> Void = { lane, runner, _, _, timed in
            guard timed else { return }
            var bytes = 0
            for site in runner.spikes {
                var distinct = 0
                for c in site.channels where !seen[site.site][Int(c)] {
                    seen[site.site][Int(c)] = true
                    distinct += 1
                }
                for c in site.channels { seen[site.site][Int(c)] = false }
                bytes += distinct * siteFanOut[site.site] * MemoryLayout<Float>.size
            }
            lane.distinctColumnBytes.append(Double(bytes))
        }
        var spiking: [Lane] = []
        for s in steered {
            spiking.append(lane(String(format: "spiking ~%.0f%%", 100 * s.target), pass: pass, runner: try spikingRunner(s.thresholds),
                                beforeToken: beginToken, afterToken: distinctColumns))
        }
        // Trace sinks at ~20% firing.
        let twenty = steered[1].thresholds
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("marsim-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let perLane = o.warmup + o.runs * (o.tokens + 1)
        let metadata = runMetadata(model: model, placement: placement, thresholds: twenty, parameters: parameters, baseline: baseline,
                                   name: name, tokenIDs: (0..<perLane).map { tokenIDs[$0 % tokenIDs.count] })
        var traces: [(level: TraceLevel, lane: Lane, sinkName: String)] = []
        var sinks: [any TokenSink] = []
        for level in TraceLevel.allCases {
            let index = sinks.count
            sinks.append(try BenchCommand.makeTraceSink(level: level, directory: directory, metadata: metadata))
            let traced = lane("spiking ~20% + \(level.rawValue) sink", pass: pass, runner: try spikingRunner(twenty), beforeToken: beginToken,
                              afterToken: { lane, runner, token, counts, timed in
                                  let start = DispatchTime.now().uptimeNanoseconds
                                  let activity = TokenActivity(position: lane.cursor, tokenID: token, counts: counts.counts,
                                                               spikes: level == .events ? runner.spikes : [], fidelity: nil)
                                  try sinks[index].consume(activity)
                                  if timed { lane.sinkSamples.append(milliseconds(since: start)) }
                              })
            traces.append((level, traced, String(describing: type(of: sinks[index]))))
        }
        let lanes = [dense] + (dense1.map { [$0] } ?? []) + [silent] + spiking + traces.map(\.lane)
        log.note("\(name): timing \(lanes.count) configurations, \(o.runs) rounds of \(o.tokens) tokens after \(o.warmup) warm-up …")
        for lane in lanes { for _ in 0..<o.warmup { try lane.decode(tokenIDs, timed: false) } }
        var perRound: [Limits] = []
        for round in 0..<o.runs {
            for k in 0..<lanes.count {
                let lane = lanes[(k + round) % lanes.count]
                try lane.decode(tokenIDs, timed: false)
                for _ in 0..<o.tokens { try lane.decode(tokenIDs, timed: true) }
            }
            log.note(String(format: "  round %d: dense %.1f ms, no events %.1f ms, spiking %@ ms", round + 1, Timing(dense.samples).median,
                            Timing(silent.samples).median, spiking.map { String(format: "%.1f", $0.timing.median) }.joined(separator: " / ")))
            if let roundLimits {
                perRound.append(roundLimits())
                log.note("  " + perRound.last!.summary(threads: o.threads))
            }
        }
        let limits = perRound.isEmpty ? limits : Limits.median(perRound)
        for i in sinks.indices { try sinks[i].finish() }

        // Results.
        func summed(_ counted: [TokenCounts]) -> ActivityCounts {
            var total = ActivityCounts()
            for t in counted { for c in t.counts { total += c } }
            return total
        }
        let siteUnits = Set(sites.map { pass.index($0.layer, $0.kind) })
        func denseBytes(_ counted: [TokenCounts]) -> Double {
            guard let first = counted.first else { return 0 }
            var bytes = 0
            for (u, c) in first.counts.enumerated() where !siteUnits.contains(u) { bytes += c.weightsRead }
            return Double(bytes * MemoryLayout<Float>.size)
        }
        let fixed = silent.timing
        var points: [SpikingPoint] = []
        for (s, lane) in zip(steered, spiking) {
            let timing = lane.timing, total = summed(lane.counted), n = Double(max(lane.counted.count, 1))
            let acs = Double(total.synapticOps) / n
            let bound = acs / limits.addsPerSecond * 1e3
            let eventMs = timing.median - fixed.median
            points.append(SpikingPoint(
                target_rate: s.target, rate: Double(total.spikes) / Double(max(total.neuronUpdates, 1)),
                ms_per_token: timing.median, ms_min: timing.min, ms_max: timing.max,
                events_per_token: Double(total.spikes) / n, synaptic_ops_per_token: acs,
                bound_ms_per_token: bound, bound_cached_ms_per_token: acs / limits.addsPerSecondCached * 1e3,
                bound_with_dense_parts_ms_per_token: bound + denseBytes(lane.counted) / (limits.bandwidthGBs * 1e9) * 1e3,
                dense_part_bytes_per_token: denseBytes(lane.counted),
                distinct_column_bytes_per_token: Timing(lane.distinctColumnBytes).median,
                bound_distinct_columns_ms_per_token: Timing(lane.distinctColumnBytes).median / (limits.bandwidthGBs * 1e9) * 1e3,
                event_ms_per_token: eventMs, ns_per_synaptic_op: acs > 0 ? eventMs * 1e6 / acs : 0,
                threshold_scale: s.scale))
        }
        let perAC = points.map(\.ns_per_synaptic_op)
        let meanPerAC = perAC.reduce(0, +) / Double(max(perAC.count, 1))
        let spread = perAC.map { abs($0 / meanPerAC - 1) }.max() ?? 0
        let overheads = traces.map { t in
            let samples = t.lane.sinkSamples, stepTime = t.lane.timing.median
            let mean = samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)
            return TraceOverhead(level: t.level.rawValue, sink: t.sinkName, sink_ms_per_token: mean, sink_ms_median: Timing(samples).median,
                                 sink_ms_max: Timing(samples).max, spiking_ms_per_token: stepTime, fraction: mean / stepTime)
        }
        let d = dense.timing
        let denseBound = Double(weightBytesPerToken) / (limits.bandwidthGBs * 1e9) * 1e3
        log.note(String(format: "\(name): dense %.2f ms/token (bound %.2f ms, %.0f%%); spiking %@ ms at %@", d.median, denseBound,
                        100 * denseBound / d.median, points.map { String(format: "%.1f", $0.ms_per_token) }.joined(separator: " / "),
                        points.map { String(format: "%.1f%%", 100 * $0.rate) }.joined(separator: " / ")))
        let weightBytes = SyntheticModel.weightBytes(model)
        return Result(name: name, architecture: model.shape.architecture, parameters: SyntheticModel.parameterCount(model),
                      weight_bytes: weightBytes, weight_bytes_per_token: weightBytesPerToken, dense: d, dense_1thread: dense1?.timing,
                      dense_bound_ms_per_token: denseBound, dense_bandwidth_fraction: denseBound / d.median,
                      spiking_placement: placement.specification, timesteps: o.timesteps, spiking_fixed: fixed, spiking: points,
                      spiking_proportionality_spread: spread, trace_overhead: overheads, kernel_check: check, build_seconds: nil,
                      limits: limits, limits_per_round: perRound)
    }

    /// Run metadata for a trace sink of the bench's spiking run.
    static func runMetadata(model: LanguageModel, placement: Placement, thresholds: ThresholdSet, parameters: ATMNParameters,
                            baseline: [ActivityCounts], name: String, tokenIDs: [Int]) -> RunMetadata {
        let shape = model.shape
        return RunMetadata(checkpoint: CheckpointIdentity(path: name, shape: shape, parameterCount: SyntheticModel.parameterCount(model),
                                                          contentHash: "none"),
                           mode: "spiking", timesteps: parameters.timesteps, tau: Double(parameters.tau), placement: placement.specification,
                           spikingSites: placement.sites, thresholds: placement.sites.map { thresholds.values[$0] ?? [] },
                           thresholdSource: thresholds.source,
                           schedule: TickSchedule(sitesPerToken: placement.sites.count, timesteps: parameters.timesteps, tickPeriodMs: 0.001),
                           units: shape.units, denseBaseline: baseline, inputTokenIDs: tokenIDs,
                           startTime: ISO8601DateFormatter().string(from: Date()))
    }
}

// MARK: - Threshold steering

/// Chooses thresholds that make every spiking site fire at about a given rate, from the dense
/// model's inputs to the sites on a few tokens.
///
/// Channel i of a site gets V_i = c · mean|I_i| (floored at 10⁻³ of the site's mean); with tau = 1 a
/// neuron fed I emits min(T, ⌊|I|/V⌋) spikes, so the site's predicted rate for c is
/// Σ min(T, ⌊|I|/V⌋) ÷ (samples · T); c is found by bisection. The spiking model's own inputs drift
/// from the dense ones, so the bench measures the rate reached and corrects the target.
struct ThresholdSteering {
    let sites: [AccountingUnit]
    let shape: ModelShape
    let timesteps: Int
    /// Per site: |inputs| (token-major) and the per-channel profile mean|I_i|.
    let magnitudes: [[Float]]
    let profiles: [[Float]]

    init(model: LanguageModel, sites: [AccountingUnit], samples: [[Float]], timesteps: Int) {
        self.sites = sites
        shape = model.shape
        self.timesteps = timesteps
        var magnitudes: [[Float]] = [], profiles: [[Float]] = []
        for (s, site) in sites.enumerated() {
            let fanIn = model.shape.projectionSize(site.kind)!.fanIn
            let m = samples[s].map { abs($0) }
            let n = max(1, m.count / fanIn)
            var profile = [Float](repeating: 0, count: fanIn)
            for t in 0..<n { for i in 0..<fanIn { profile[i] += m[t * fanIn + i] } }
            let siteMean = max(profile.reduce(0, +) / Float(n * fanIn), 1e-12)
            profile = profile.map { max($0 / Float(n), 1e-3 * siteMean) }
            magnitudes.append(m)
            profiles.append(profile)
        }
        self.magnitudes = magnitudes
        self.profiles = profiles
    }

    /// Predicted firing rate of site s with scale c.
    func predictedRate(site s: Int, scale c: Float) -> Double {
        let m = magnitudes[s], profile = profiles[s], fanIn = profile.count
        guard !m.isEmpty else { return 0 }
        let T = Float(timesteps)
        var spikes: Double = 0
        m.withUnsafeBufferPointer { mb in
            profile.withUnsafeBufferPointer { pb in
                for t in 0..<(mb.count / fanIn) {
                    var row: Float = 0
                    for i in 0..<fanIn { row += min(T, (mb[t * fanIn + i] / (c * pb[i])).rounded(.down)) }
                    spikes += Double(row)
                }
            }
        }
        return Double(spikes) / Double(m.count * timesteps)
    }

    /// Per-site scales for a target rate.
    func scales(rate: Double) -> [Float] {
        sites.indices.map { s in
            var lo: Float = 1e-4, hi: Float = 1e4
            for _ in 0..<48 {
                let mid = (lo * hi).squareRoot()
                if predictedRate(site: s, scale: mid) > rate { lo = mid } else { hi = mid }
            }
            return (lo * hi).squareRoot()
        }
    }

    /// The geometric mean of the per-site scales (reported).
    func meanScale(rate: Double) -> Double {
        let s = scales(rate: rate)
        return exp(s.map { log(Double($0)) }.reduce(0, +) / Double(max(s.count, 1)))
    }

    func thresholds(rate: Double) -> ThresholdSet {
        let c = scales(rate: rate)
        var values: [AccountingUnit: [Float]] = [:]
        for (s, site) in sites.enumerated() { values[site] = profiles[s].map { $0 * c[s] } }
        return ThresholdSet(values: values, source: String(format: "steered to %.1f%% firing (bench)", 100 * rate))
    }

    /// Every threshold = profile × scale (e.g. the largest float: no spikes at all).
    func thresholds(scale: Float) -> ThresholdSet {
        var values: [AccountingUnit: [Float]] = [:]
        for (s, site) in sites.enumerated() { values[site] = profiles[s].map { min($0 * scale, .greatestFiniteMagnitude) } }
        return ThresholdSet(values: values, source: "no events (bench)")
    }
}

// MARK: - Report

struct BenchReport: Encodable {
    struct MachineInfo: Encodable {
        var cpu: String
        var cores: Int
        var memory_bytes: UInt64
        var load_average_start: [Double]
        var load_average_end: [Double]
    }

    struct SpikingSummary: Encodable {
        var rate: Double
        var ms_per_token: Double
        var events: Double
        var bound: Double
    }

    var shape: String
    var threads: Int
    var machine: MachineInfo
    var bandwidth_gbs: Double
    var bandwidth_1thread_gbs: Double
    var adds_per_second: Double
    var adds_per_second_cached: Double
    /// The limits as measured before the model was built (over a fresh 512 MiB buffer), then after each
    /// timed round (over the model's embedding); the figures above are the medians of the rounds.
    var limits_measured: [Limits]
    var weight_bytes: Int
    var weight_bytes_per_token: Int
    var dense_ms_per_token: Double
    var dense_ms_per_token_min: Double
    var dense_ms_per_token_max: Double
    var dense_1thread_ms_per_token: Double?
    var dense_bound_ms_per_token: Double
    var dense_bandwidth_fraction: Double
    /// Per firing rate: rate reached, ms per token (median), events per token, bound (ms, ACs ÷ adds/s).
    var spiking: [SpikingSummary]
    var spiking_fixed_ms_per_token: Double
    var spiking_proportionality_spread: Double
    var trace_overhead: [String: Double]
    var peak_rss_bytes: Int
    var peak_rss_over_weight_bytes: Double
    /// Whether the peak was reset after the bandwidth and add measurements (so their buffers do not count).
    var peak_rss_excludes_limit_buffers: Bool
    var model: ModelBench.Result
    var fixture: ModelBench.Result?

    init(shape: String, model: ModelBench.Result, fixture: ModelBench.Result?, limits: Limits, limitsMeasured: [Limits], threads: Int, peakRSS: Int,
         peakRSSExcludesLimits: Bool, loadStart: [Double], loadEnd: [Double]) {
        peak_rss_excludes_limit_buffers = peakRSSExcludesLimits
        limits_measured = limitsMeasured
        self.shape = shape
        self.threads = threads
        machine = MachineInfo(cpu: Machine.cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount,
                              memory_bytes: ProcessInfo.processInfo.physicalMemory, load_average_start: loadStart, load_average_end: loadEnd)
        bandwidth_gbs = limits.bandwidthGBs
        bandwidth_1thread_gbs = limits.bandwidth1ThreadGBs
        adds_per_second = limits.addsPerSecond
        adds_per_second_cached = limits.addsPerSecondCached
        weight_bytes = model.weight_bytes
        weight_bytes_per_token = model.weight_bytes_per_token
        dense_ms_per_token = model.dense.median
        dense_ms_per_token_min = model.dense.min
        dense_ms_per_token_max = model.dense.max
        dense_1thread_ms_per_token = model.dense_1thread?.median
        dense_bound_ms_per_token = model.dense_bound_ms_per_token
        dense_bandwidth_fraction = model.dense_bandwidth_fraction
        spiking = model.spiking.map { SpikingSummary(rate: $0.rate, ms_per_token: $0.ms_per_token, events: $0.events_per_token,
                                                     bound: $0.bound_ms_per_token) }
        spiking_fixed_ms_per_token = model.spiking_fixed.median
        spiking_proportionality_spread = model.spiking_proportionality_spread
        var overhead: [String: Double] = [:]
        for t in model.trace_overhead {
            overhead["\(t.level)_ms_per_token"] = t.sink_ms_per_token
            overhead["\(t.level)_fraction"] = t.fraction
        }
        trace_overhead = overhead
        peak_rss_bytes = peakRSS
        peak_rss_over_weight_bytes = Double(peakRSS) / Double(model.weight_bytes)
        self.model = model
        self.fixture = fixture
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        var lines: [String] = []
        func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
        lines.append("marsim bench --shape \(shape)   (\(threads) threads; \(machine.cpu), \(machine.cores) cores, \(f(Double(machine.memory_bytes) / 1_073_741_824, 1)) GiB)")
        lines.append("load average at start \(machine.load_average_start.map { f($0) }.joined(separator: " ")), at end \(machine.load_average_end.map { f($0) }.joined(separator: " "))")
        lines.append("read bandwidth \(f(bandwidth_gbs, 1)) GB/s (1 thread \(f(bandwidth_1thread_gbs, 1))); adds \(f(adds_per_second / 1e9)) G/s streaming from DRAM, \(f(adds_per_second_cached / 1e9, 1)) G/s cached")
        for result in [model] + (fixture.map { [$0] } ?? []) {
            lines.append("")
            lines.append("\(result.name): \(result.parameters) parameters, \(f(Double(result.weight_bytes) / 1e9, 3)) GB of weights, \(f(Double(result.weight_bytes_per_token) / 1e9, 3)) GB read per dense token")
            let d = result.dense
            lines.append("  dense           \(f(d.median)) ms/token (\(f(d.min))–\(f(d.max)))   bound \(f(result.dense_bound_ms_per_token)) ms → \(f(100 * result.dense_bandwidth_fraction, 0))% of bandwidth")
            if let d1 = result.dense_1thread { lines.append("  dense 1 thread  \(f(d1.median)) ms/token (\(f(d1.min))–\(f(d1.max)))") }
            let s0 = result.spiking_fixed
            lines.append("  spiking, no events (fixed part)  \(f(s0.median)) ms/token (\(f(s0.min))–\(f(s0.max)))")
            for p in result.spiking {
                lines.append("  spiking \(f(100 * p.rate, 1))%  \(f(p.ms_per_token)) ms/token (\(f(p.ms_min))–\(f(p.ms_max)))  \(Int(p.events_per_token)) events, \(f(p.synaptic_ops_per_token / 1e6, 1)) M ACs")
                lines.append("      bound \(f(p.bound_ms_per_token)) ms (+dense parts \(f(p.bound_with_dense_parts_ms_per_token)))  distinct columns \(f(p.bound_distinct_columns_ms_per_token)) ms  events part \(f(p.event_ms_per_token)) ms = \(f(p.ns_per_synaptic_op, 3)) ns/AC")
            }
            lines.append("  spiking time ∝ events: per-AC cost within ±\(f(100 * result.spiking_proportionality_spread, 0))% across rates")
            for t in result.trace_overhead {
                lines.append("  trace sink (\(t.sink), \(t.level))  \(f(t.sink_ms_per_token, 4)) ms/token (mean; median \(f(t.sink_ms_median, 4)), max \(f(t.sink_ms_max, 3))) = \(f(100 * t.fraction, 3))% of a spiking token")
            }
            lines.append("  kernel check: " + result.kernel_check.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("peak resident memory \(f(Double(peak_rss_bytes) / 1e9, 3)) GB = \(f(peak_rss_over_weight_bytes)) × weight bytes")
        return lines.joined(separator: "\n")
    }
}
