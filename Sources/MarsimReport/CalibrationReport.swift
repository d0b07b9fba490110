import Foundation
import MarsimCore
import MarsimEngine

/// What `marsim calibrate` prints: the rule and its settings, per site the output error before and
/// after, and the time.
public struct CalibrationReport: Encodable {
    /// One calibrated site: its size, its output error before and after, and its time.
    public struct Site: Encodable {
        public var site: String
        public var fan_in: Int
        public var fan_out: Int
        /// (1/n) Σ‖W·x‖² at this site's inputs.
        public var output_energy: Double
        /// (1/n) Σ‖W·(decode(x) − x)‖² with the quantile rule's thresholds and with the rule's.
        public var error_before: Double
        public var error_after: Double
        public var relative_error_before: Double
        public var relative_error_after: Double
        public var steps: Int
        public var seconds: Double
    }

    /// The run's settings (the learning ones only for the output rule).
    public struct Settings: Encodable {
        public var timesteps: Int
        public var tau: Float
        public var placement: String
        public var quantile: Double
        public var steps: Int?
        public var learning_rate: Double?
        public var optimizer: String?
        public var batch_tokens: Int?
        public var seed: UInt64?
    }

    public var rule: String
    public var settings: Settings
    public var checkpoint: String
    public var calibration: String
    public var tokens: Int
    public var out: String
    public var threshold_source: String
    public var sites: [Site]
    public var record_seconds: Double
    public var sequential_seconds: Double
    public var seconds: Double

    /// The report of one calibration (`seconds`: its wall-clock time).
    public init(result: CalibrationResult, rule: CalibrationRule, parameters: ATMNParameters, placement: String, checkpoint: String,
         calibration: String, tokens: Int, out: String, seconds: Double) {
        self.rule = rule.kind.rawValue
        let learns = rule.kind == .output
        settings = Settings(timesteps: parameters.timesteps, tau: parameters.tau, placement: placement, quantile: rule.quantile,
                            steps: learns ? rule.output.steps : nil, learning_rate: learns ? rule.output.learningRate : nil,
                            optimizer: learns ? rule.output.optimizer.rawValue : nil,
                            batch_tokens: learns ? rule.output.batchTokens : nil, seed: learns ? rule.output.seed : nil)
        self.checkpoint = checkpoint
        self.calibration = calibration
        self.tokens = tokens
        self.out = out
        threshold_source = result.thresholds.source
        sites = result.sites.map {
            Site(site: $0.site.name, fan_in: $0.fanIn, fan_out: $0.fanOut, output_energy: $0.outputEnergy, error_before: $0.errorBefore,
                 error_after: $0.errorAfter, relative_error_before: $0.relativeErrorBefore, relative_error_after: $0.relativeErrorAfter,
                 steps: $0.steps, seconds: $0.seconds)
        }
        record_seconds = result.recordSeconds
        sequential_seconds = result.sequentialSeconds
        self.seconds = seconds
    }

    /// `calibrate --json`.
    public func json() throws -> String { try prettyJSON(self) }

    /// The table `calibrate` prints: one row per site, then the time.
    public func table() -> String {
        var lines = [
            "rule         \(threshold_source)",
            "T            \(settings.timesteps), tau \(settings.tau), placement \(settings.placement) (\(sites.count) sites)",
            "written      \(out)",
            "",
            "site                      fan-in  fan-out  rel. error before  after   change  seconds",
            "------------------------  ------  -------  -----------------  ------  ------  -------",
        ]
        for s in sites {
            let change = s.relative_error_before > 0 ? 100 * (s.relative_error_after / s.relative_error_before - 1) : 0
            lines.append(s.site.padding(toLength: 24, withPad: " ", startingAt: 0)
                         + String(format: "  %6d  %7d  %17.4f  %6.4f  %+5.0f%%  %7.2f", s.fan_in, s.fan_out, s.relative_error_before,
                                  s.relative_error_after, change, s.seconds))
        }
        let perSite = sites.isEmpty ? 0 : sites.map(\.seconds).reduce(0, +) / Double(sites.count)
        lines.append("")
        lines.append(String(format: "time         %.2f s: dense pass %.2f s, site-by-site pass %.2f s (%.3f s per site)", seconds,
                            record_seconds, sequential_seconds, perSite))
        return lines.joined(separator: "\n")
    }
}

/// What `marsim calibrate --estimate-shape` prints: the output rule's time on a model shape,
/// per kind of site, from steps timed here.
public enum CalibrationEstimateText {
    /// The estimate as one JSON object.
    public static func json(_ result: CalibrationCostEstimate, shape: String) throws -> String {
        struct Kind: Encodable { var site: String; var fan_in: Int; var fan_out: Int; var count: Int; var setup_s: Double; var step_s: Double; var site_s: Double }
        struct Report: Encodable { var shape: String; var tokens: Int; var settings: String; var kinds: [Kind]; var total_s: Double }
        let report = Report(shape: shape, tokens: result.tokens, settings: result.settings.summary, kinds: result.kinds.map {
            Kind(site: $0.kind.rawValue, fan_in: $0.fanIn, fan_out: $0.fanOut, count: $0.count, setup_s: $0.setupSeconds,
                 step_s: $0.secondsPerStep, site_s: $0.secondsPerSite)
        }, total_s: result.totalSeconds)
        return try prettyJSON(report)
    }

    /// The estimate as a table, with the settings it was timed with.
    public static func table(_ result: CalibrationCostEstimate, shape: String, timesteps: Int, threads: Int) -> String {
        var lines = ["output rule on \(shape): \(result.tokens) calibration tokens, \(result.settings.summary), T \(timesteps), \(threads) threads",
                     "", "site               fan-in  fan-out  sites  setup s  s/step  s/site",
                     "-----------------  ------  -------  -----  -------  ------  ------"]
        for k in result.kinds {
            lines.append(k.kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
                         + String(format: "  %6d  %7d  %5d  %7.2f  %6.3f  %6.1f", k.fanIn, k.fanOut, k.count, k.setupSeconds, k.secondsPerStep,
                                  k.secondsPerSite))
        }
        lines.append("")
        lines.append(String(format: "total        %.0f s (%.1f min) for the sites, plus a dense and a site-by-site forward pass over the tokens", result.totalSeconds, result.totalSeconds / 60))
        return lines.joined(separator: "\n")
    }
}
