import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine

/// `marsim bench --checkpoint DIR`: a real checkpoint directory measured the way users run it —
/// load, known text in chunks (what simulate, eval, whatif and calibration do), decode one token at
/// a time, and spiking known text with the dense model beside it — with peak memory.
public enum CheckpointBench {
    public struct Options {
        /// Known tokens per timed run (one `simulate`-like pass).
        public var tokens: Int
        /// Tokens decoded one at a time per timed run.
        public var decodeTokens: Int
        public var rounds: Int
        public var chunk: Int
        public var threads: Int
        public var timesteps: Int
        /// Firing rate the spiking thresholds are steered to.
        public var firing: Double
        public var delivery: EventDelivery
        public var columnCache: ColumnCache?

        public init(tokens: Int, decodeTokens: Int, rounds: Int, chunk: Int, threads: Int, timesteps: Int, firing: Double,
                    delivery: EventDelivery, columnCache: ColumnCache?) {
            self.tokens = tokens
            self.decodeTokens = decodeTokens
            self.rounds = rounds
            self.chunk = chunk
            self.threads = threads
            self.timesteps = timesteps
            self.firing = firing
            self.delivery = delivery
            self.columnCache = columnCache
        }
    }

    /// Medians (and ranges) of one measured configuration.
    struct Timing: Encodable {
        var ms_per_token: Double
        var min_ms_per_token: Double
        var max_ms_per_token: Double

        init(_ samples: [Double]) {
            let sorted = samples.sorted()
            ms_per_token = sorted[sorted.count / 2]
            min_ms_per_token = sorted.first ?? 0
            max_ms_per_token = sorted.last ?? 0
        }
    }

    public struct Report: Encodable {
        var checkpoint: String
        var architecture: String
        var parameters: Int
        var weight_bytes: Int
        var stored_dtype: String
        var threads: Int
        var chunk: Int
        var blas_core: String
        var load_seconds: Double
        var column_cache_seconds: Double?
        var known_tokens: Int
        var dense_known_text: Timing
        var dense_gflops_per_token: Double
        var dense_gflops_per_second: Double
        var sgemm_ceiling_gflops: Double
        var dense_fraction_of_sgemm_ceiling: Double
        var dense_decode: Timing
        /// Read bandwidth measured in the same run (all threads), and the decode bound it gives:
        /// every weight byte read once per token.
        var read_bandwidth_gbs: Double
        var decode_bound_ms: Double
        var dense_decode_fraction_of_bound: Double
        var spiking_timesteps: Int
        var spiking_firing_target: Double
        var spiking_firing_rate: Double
        var spiking_known_text_with_dense: Timing
        /// Spiking known text over dense known text, each phase's median.
        var spiking_over_dense: Double
        /// The same ratio from rounds alternating dense and spiking (median of the rounds' ratios,
        /// and their range): the fair figure on a machine whose speed drifts between phases.
        var spiking_over_dense_alternated: Double
        var spiking_over_dense_alternated_range: [Double]
        var spiking_decode_with_dense: Timing
        /// Peak resident memory of the dense phase and of the spiking phase (the high-water mark is
        /// reset in between, and the dense phase's pages of the weights released).
        var dense_peak_rss_bytes: Int
        var dense_peak_rss_over_weights: Double
        var spiking_peak_rss_bytes: Int
        var spiking_peak_rss_over_weights: Double
        var load_average: [Double]

        public func table() -> String {
            func ms(_ t: Timing) -> String { String(format: "%.1f ms/token (%.1f–%.1f)", t.ms_per_token, t.min_ms_per_token, t.max_ms_per_token) }
            return """
            checkpoint   \(checkpoint) (\(architecture), \(parameters) parameters, \(String(format: "%.2f", Double(weight_bytes) / 1e9)) GB \(stored_dtype))
            machine      \(threads) threads, OpenBLAS \(blas_core), SGEMM ceiling \(String(format: "%.0f", sgemm_ceiling_gflops)) GFLOP/s; load average \(load_average.map { String(format: "%.1f", $0) }.joined(separator: " "))
            load         \(String(format: "%.2f", load_seconds)) s\(column_cache_seconds.map { String(format: "; column cache %.2f s", $0) } ?? "")
            dense        known text (\(known_tokens) tokens, chunk \(chunk)): \(ms(dense_known_text)), \(String(format: "%.0f", dense_gflops_per_second)) GFLOP/s = \(String(format: "%.0f%%", 100 * dense_fraction_of_sgemm_ceiling)) of the SGEMM ceiling
                         decode: \(ms(dense_decode)), bound \(String(format: "%.1f", decode_bound_ms)) ms at \(String(format: "%.1f", read_bandwidth_gbs)) GB/s = \(String(format: "%.0f%%", 100 * dense_decode_fraction_of_bound)) of the bound
            spiking      T = \(spiking_timesteps), firing \(String(format: "%.1f%%", 100 * spiking_firing_rate)) (target \(String(format: "%.0f%%", 100 * spiking_firing_target))), dense model beside it
                         known text: \(ms(spiking_known_text_with_dense)) = \(String(format: "%.2f", spiking_over_dense))× dense known text; alternated round by round: \(String(format: "%.2f× (%.2f–%.2f)", spiking_over_dense_alternated, spiking_over_dense_alternated_range[0], spiking_over_dense_alternated_range[1]))
                         decode: \(ms(spiking_decode_with_dense))
            memory       peak RSS dense \(String(format: "%.2f", Double(dense_peak_rss_bytes) / 1e9)) GB = \(String(format: "%.2f", dense_peak_rss_over_weights))× the weights; spiking \(String(format: "%.2f", Double(spiking_peak_rss_bytes) / 1e9)) GB = \(String(format: "%.2f", spiking_peak_rss_over_weights))×
            """
        }
    }

    public static func run(directory: URL, options o: Options, log: inout BenchLog) throws -> Report {
        let loadAverage = Machine.loadAverage()
        Machine.resetPeakResident()
        var watch = Stopwatch()
        let checkpoint = try Checkpoint.load(directory)
        let loadSeconds = watch.lap()
        let model = checkpoint.model, s = model.shape
        log.note(String(format: "loaded %@ in %.2f s", directory.lastPathComponent, loadSeconds))
        let tokens = SyntheticBench.randomTokens(count: o.tokens, vocab: s.vocabSize, seed: SyntheticModel.defaultSeed)
        let decodeTokens = Array(tokens.prefix(o.decodeTokens))

        // Dense known text, as `simulate --mode dense` runs it.
        var dense = SimulationSettings(mode: .dense, parameters: ATMNParameters(timesteps: o.timesteps, tau: 1),
                                       placement: try Placement("none", shape: s), thresholds: ThresholdSet(values: [:], source: "none"),
                                       threads: o.threads)
        dense.chunk = o.chunk
        // As simulate runs it by default: fp32 projections mapped column-major from the cache when
        // one is given (built on first use; its time is reported with the spiking phase's).
        dense.columnCache = o.columnCache
        func timeRun(_ simulator: Simulator, _ ids: [Int]) throws -> Double {
            var w = Stopwatch()
            _ = try simulator.run(tokens: ids, bytesOfToken: nil) { _, _ in }
            return w.lap() * 1000 / Double(ids.count)
        }
        // The dense phase in its own scope: its simulators (and their mappings of the column cache)
        // are gone before the spiking phase maps the cache again, so that phase's peak is its own.
        var cacheSeconds = 0.0
        let (denseKnown, denseDecode, densePeak, flops) = try { () throws -> ([Double], [Double], Int, Double) in
            let denseSimulator = try Simulator(model: model, settings: dense, progress: { log.note($0) })
            cacheSeconds = watch.lap()
            log.note("dense known text …")
            _ = try timeRun(denseSimulator, Array(tokens.prefix(min(tokens.count, o.chunk))))  // warm-up
            let known = try (0..<o.rounds).map { _ in try timeRun(denseSimulator, tokens) }

            log.note("dense decode …")
            var decodeSettings = dense
            decodeSettings.chunk = 1
            // The known-text simulator's model: its cache entries are mapped once. (A second mapping of the
            // same files would count their pages twice in this process's resident set.)
            let denseDecodeSimulator = try Simulator(model: denseSimulator.runModel, settings: decodeSettings)
            let decode = try (0..<o.rounds).map { _ in try timeRun(denseDecodeSimulator, decodeTokens) }
            let flops = 2.0 * Double(denseSimulator.denseBaseline().reduce(0) { $0 + $1.denseMACs })
            return (known, decode, Machine.peakResidentBytes(), flops)
        }()
        let limits = Limits.measure(threads: o.threads, repeats: 3)
        // The spiking phase maps its own column-major copies: release the dense phase's pages so
        // each phase's peak is what a run of that mode alone holds.
        for file in checkpoint.store.files { file.mapping.release(0..<file.mapping.count) }
        Machine.resetPeakResident()

        // Spiking: thresholds steered to the target rate from the dense model's inputs.
        let placement = try Placement(Placement.defaultSpecification, shape: s)
        log.note("steering thresholds to \(String(format: "%.0f%%", 100 * o.firing)) firing …")
        let parameters = ATMNParameters(timesteps: o.timesteps, tau: 1)
        let thresholds = try ThresholdSet.steered(model: model, tokens: Array(tokens.prefix(64)), sites: placement.sites,
                                                  parameters: parameters, firing: o.firing)
        var spiking = SimulationSettings(mode: .spiking, parameters: parameters, placement: placement, thresholds: thresholds,
                                         threads: o.threads)
        spiking.chunk = o.chunk
        spiking.delivery = o.delivery
        spiking.columnCache = o.columnCache
        watch = Stopwatch()
        let spikingSimulator = try Simulator(model: model, settings: spiking, progress: { log.note($0) })
        cacheSeconds += watch.lap()
        log.note("spiking known text …")
        var firing = 0.0
        let spikingKnown = try (0..<o.rounds).map { _ -> Double in
            var w = Stopwatch()
            let summary = try spikingSimulator.run(tokens: tokens, bytesOfToken: nil) { _, _ in }
            firing = summary.firingRate
            return w.lap() * 1000 / Double(tokens.count)
        }
        log.note("spiking decode …")
        var spikingDecodeSettings = spiking
        spikingDecodeSettings.chunk = 1
        let spikingDecodeSimulator = try Simulator(model: spikingSimulator.runModel, settings: spikingDecodeSettings)
        let spikingDecode = try (0..<o.rounds).map { _ in try timeRun(spikingDecodeSimulator, decodeTokens) }

        let spikingPeak = Machine.peakResidentBytes()

        // The ratio, measured again with the two alternating round by round: the phases above run
        // minutes apart, and on a shared machine the speed of memory moves by tens of percent in
        // that time (peak memory is no longer measured here: both models are now mapped).
        log.note("dense and spiking known text, alternated …")
        let denseAgain = try Simulator(model: model, settings: dense)
        _ = try timeRun(denseAgain, Array(tokens.prefix(min(tokens.count, o.chunk))))  // warm-up
        let ratios = try (0..<o.rounds).map { _ -> Double in
            let d = try timeRun(denseAgain, tokens)
            let sp = try timeRun(spikingSimulator, tokens)
            return sp / d
        }
        let denseTiming = Timing(denseKnown)
        let gflops = flops / (denseTiming.ms_per_token * 1e-3) / 1e9
        let ceiling = sgemmCeiling(threads: o.threads)
        let elements = Set(([model.lmHead] + model.blocks.flatMap { [$0.mixer.inProj, $0.mixer.outProj] }).map(\.storage.element.rawValue))
        return Report(checkpoint: directory.path, architecture: s.architecture, parameters: checkpoint.parameterCount,
                      weight_bytes: checkpoint.storedBytes, stored_dtype: elements.sorted().joined(separator: "+"),
                      threads: o.threads, chunk: o.chunk, blas_core: BLASLibrary.shared.coreName,
                      load_seconds: loadSeconds, column_cache_seconds: o.columnCache == nil ? nil : cacheSeconds,
                      known_tokens: tokens.count, dense_known_text: denseTiming, dense_gflops_per_token: flops / 1e9,
                      dense_gflops_per_second: gflops, sgemm_ceiling_gflops: ceiling, dense_fraction_of_sgemm_ceiling: gflops / ceiling,
                      dense_decode: Timing(denseDecode), read_bandwidth_gbs: limits.bandwidthGBs,
                      decode_bound_ms: Double(checkpoint.storedBytes) / (limits.bandwidthGBs * 1e9) * 1000,
                      dense_decode_fraction_of_bound: Double(checkpoint.storedBytes) / (limits.bandwidthGBs * 1e9) * 1000 / Timing(denseDecode).ms_per_token,
                      spiking_timesteps: o.timesteps, spiking_firing_target: o.firing,
                      spiking_firing_rate: firing, spiking_known_text_with_dense: Timing(spikingKnown),
                      spiking_over_dense: Timing(spikingKnown).ms_per_token / denseTiming.ms_per_token,
                      spiking_over_dense_alternated: ratios.median ?? 0,
                      spiking_over_dense_alternated_range: [ratios.min() ?? 0, ratios.max() ?? 0],
                      spiking_decode_with_dense: Timing(spikingDecode),
                      dense_peak_rss_bytes: densePeak, dense_peak_rss_over_weights: Double(densePeak) / Double(checkpoint.storedBytes),
                      spiking_peak_rss_bytes: spikingPeak, spiking_peak_rss_over_weights: Double(spikingPeak) / Double(checkpoint.storedBytes),
                      load_average: loadAverage)
    }

    /// GFLOP/s of marsim's chunked GEMM (fixed 1024-output blocks over `threads` workers) on a
    /// 256 × 2048 × 2048 product: the practical ceiling the dense known-text figure is judged by.
    static func sgemmCeiling(threads: Int) -> Double {
        let n = 256, k = 2048, m = 2048
        let w = Projection(fanIn: k, fanOut: m, layout: .rowMajor, weights: (0..<(k * m)).map { Float($0 % 13) * 0.01 }, bias: nil)
        let x = [Float](repeating: 0.5, count: n * k)
        var out = [Float](repeating: 0, count: n * m)
        var best = Double.infinity
        for _ in 0..<5 {
            var watch = Stopwatch()
            DenseKernelBench.gemm(&out, x, tokens: n, w, threads: threads)
            best = min(best, watch.lap())
        }
        return 2.0 * Double(n * k * m) / best / 1e9
    }
}
