import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

// MARK: - One model

/// Benchmarks one model: dense, spiking at steered firing rates, trace-sink cost.
enum ModelBench {
    struct Options {
        var tokens, runs, warmup, threads, timesteps: Int
        var singleThreadDense: Bool
        /// Where the ~20% lane's traces go and stay (nil: a temporary folder, removed at the end).
        var traceFolder: URL? = nil
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
        /// flushes in batches pays on some tokens only, so the mean is the amortised cost; it also
        /// includes the trace's final build from its journal, `finish`, spread over every token the
        /// sink took, warm-up included), median, max (these two without the final build).
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
            ? Projection(fanIn: head.fanIn, fanOut: rows, layout: .rowMajor,
                         storage: WeightStorage(view: head.storage.base, count: rows * head.fanIn, element: head.storage.element,
                                                owner: head.storage), bias: nil)
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
        let steering = ThresholdSteering(activations: try CalibrationActivations(model: model, tokens: calibrationTokens, sites: sites,
                                                                                 sourceName: "steering"),
                                         shape: model.shape, sites: sites, timesteps: o.timesteps)

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
        let directory = o.traceFolder ?? FileManager.default.temporaryDirectory.appendingPathComponent("marsim-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if o.traceFolder == nil { try? FileManager.default.removeItem(at: directory) } }
        let perLane = o.warmup + o.runs * (o.tokens + 1)
        let metadata = try RunMetadata.spikingRun(
            checkpoint: CheckpointIdentity(path: name, shape: model.shape, parameterCount: SyntheticModel.parameterCount(model),
                                           contentHash: "none"),
            shape: model.shape, placement: placement, thresholds: twenty, parameters: parameters, baseline: baseline,
            tokens: (0..<perLane).map { tokenIDs[$0 % tokenIDs.count] }, tickPeriodMs: 0.001)
        var traces: [(level: TraceLevel, lane: Lane, sinkName: String)] = []
        var sinks: [any TokenSink] = []
        for level in TraceLevel.allCases {
            let index = sinks.count
            sinks.append(try SyntheticBench.makeTraceSink(level: level, directory: directory, metadata: metadata))
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
        // A trace is built from its journal when the run ends: that cost belongs to the tokens too.
        var finishMs = [Double](repeating: 0, count: sinks.count)
        for i in sinks.indices {
            let start = DispatchTime.now().uptimeNanoseconds
            try sinks[i].finish()
            finishMs[i] = milliseconds(since: start)
        }

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
        let overheads = traces.enumerated().map { i, t in
            let samples = t.lane.sinkSamples, stepTime = t.lane.timing.median
            let mean = (samples.isEmpty ? 0 : samples.reduce(0, +) / Double(samples.count)) + finishMs[i] / Double(max(perLane, 1))
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
}
