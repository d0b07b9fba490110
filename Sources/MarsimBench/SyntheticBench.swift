import Dispatch
import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimTrace

/// `marsim bench --shape S`: decode speed of a synthetic model of a published shape (and of a
/// checkpoint beside it) against the machine's limits measured in the same run.
public enum SyntheticBench {
    /// What to measure.
    public struct Options: Sendable {
        public var shape: SyntheticShape
        public var seed: UInt64
        /// Timed tokens per configuration and round; rounds; untimed warm-up tokens.
        public var tokens: Int
        public var runs: Int
        public var warmup: Int
        public var threads: Int
        public var timesteps: Int
        /// A checkpoint run the same way beside the synthetic model (nil: none).
        public var checkpoint: URL?
        /// Keep the synthetic model's ~20%-firing traces (`counts.h5`, `events.h5`) here: a trace at
        /// this shape for `marsim energy` (nil: they are timed, then deleted).
        public var traceFolder: URL? = nil

        public init(shape: SyntheticShape, seed: UInt64, tokens: Int, runs: Int, warmup: Int, threads: Int, timesteps: Int, checkpoint: URL?) {
            self.shape = shape
            self.seed = seed
            self.tokens = tokens
            self.runs = runs
            self.warmup = warmup
            self.threads = threads
            self.timesteps = timesteps
            self.checkpoint = checkpoint
        }
    }

    /// Measures the limits, builds the model, times every configuration, and reports.
    public static func run(_ o: Options, log: inout BenchLog) throws -> BenchReport {
        let loadStart = Machine.loadAverage()
        log.note("measuring read bandwidth and add throughput …")
        let limitsStart = Limits.measure(threads: o.threads)
        log.note(limitsStart.summary(threads: o.threads))
        let peakReset = Machine.resetPeakResident()
        log.note("building synthetic \(o.shape.rawValue) model …")
        let buildStart = DispatchTime.now().uptimeNanoseconds
        let model = SyntheticModel.make(shape: o.shape.modelShape, seed: o.seed, threads: o.threads)
        let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
        log.note(String(format: "built in %.1f s: %.2f GB of weights", buildSeconds, Double(SyntheticModel.weightBytes(model)) / 1e9))
        let tokenIDs = randomTokens(count: o.warmup + o.runs * (o.tokens + 1) + 8, vocab: model.shape.vocabSize, seed: o.seed)
        let options = ModelBench.Options(tokens: o.tokens, runs: o.runs, warmup: o.warmup, threads: o.threads, timesteps: o.timesteps,
                                         singleThreadDense: o.threads > 1, traceFolder: o.traceFolder)
        // The limits are measured again after every timed round, over the model's embedding when it is
        // large (no extra memory), so that the bounds and the timings share the same conditions.
        let roundLimits: (() -> Limits)? = model.embedding.element == .f32 && model.embedding.byteCount >= 256 << 20
            ? { [threads = o.threads] in Limits.measure(threads: threads, data: UnsafeBufferPointer(start: model.embedding.f32, count: model.embedding.count),
                                                        repeats: 3) } : nil
        var synthetic = try ModelBench.run(model: model, name: "synthetic \(o.shape.rawValue) (seed \(o.seed))", tokenIDs: tokenIDs,
                                           limits: limitsStart, roundLimits: roundLimits, options: options, log: &log)
        synthetic.buildSeconds = buildSeconds
        let peak = Machine.peakResidentBytes()
        let best = synthetic.limits
        var fixture: ModelBench.Result? = nil
        if let directory = o.checkpoint {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) {
                log.note("checkpoint \(directory.lastPathComponent) …")
                let checkpoint = try Checkpoint.load(directory)
                var ids = (try? Data(contentsOf: directory.appendingPathComponent("heldout.txt"))).map { Array($0).map(Int.init) } ?? []
                if ids.count < tokenIDs.count || checkpoint.model.shape.vocabSize < 256 {
                    ids = randomTokens(count: 4 * (o.warmup + o.runs * (o.tokens + 1) + 8), vocab: checkpoint.model.shape.vocabSize, seed: o.seed)
                }
                fixture = try ModelBench.run(model: checkpoint.model, name: "checkpoint \(directory.lastPathComponent)", tokenIDs: ids,
                                             limits: best, roundLimits: nil, options: options, log: &log)
            } else {
                log.note("no checkpoint at \(directory.path); skipped")
            }
        }
        return BenchReport(shape: o.shape.rawValue, model: synthetic, fixture: fixture, limits: best,
                           limitsMeasured: [limitsStart] + synthetic.limits_per_round, threads: o.threads,
                           peakRSS: peak, peakRSSExcludesLimits: peakReset, loadStart: loadStart, loadEnd: Machine.loadAverage())
    }

    /// Deterministic token ids in 0 ..< vocab.
    public static func randomTokens(count: Int, vocab: Int, seed: UInt64) -> [Int] {
        var state = seed ^ 0x746F_6B65_6E73
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(vocab))
        }
    }

    /// The sink whose per-token cost `trace_overhead` reports: the HDF5 trace writer at `level`, in
    /// `directory` (a fresh temporary directory the bench deletes afterwards).
    static func makeTraceSink(level: TraceLevel, directory: URL, metadata: RunMetadata) throws -> any TokenSink {
        try TraceWriter(path: directory.appendingPathComponent("\(level.rawValue).h5").path, metadata: metadata, level: level)
    }
}
