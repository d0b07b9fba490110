import Foundation
import MarsimCheckpoint
import MarsimCore

/// The ATMN threshold V of every input channel of every spiking site, and where they came from.
public struct ThresholdSet: Sendable, Equatable {
    /// V per input channel, per site.
    public var values: [AccountingUnit: [Float]]
    /// `learned FILE`, `calibrated (quantile 0.99, ÷T, scale 1) on FILE`, `fixed 0.1` …
    public var source: String

    /// The log-thresholds a behind `values` where they are known exactly (V = exp(a), from a file or
    /// the output rule): written back as they are, so a file round trip is bit for bit.
    private var knownLogValues: [AccountingUnit: [Float]] = [:]

    public init(values: [AccountingUnit: [Float]], source: String) {
        self.values = values
        self.source = source
    }

    /// The log-thresholds a of `site` (V = exp(a)): the ones V was made from when known, else ln V.
    public func logValues(_ site: AccountingUnit) -> [Float] {
        let v = values[site] ?? []
        if let a = knownLogValues[site], a.count == v.count, zip(a, v).allSatisfy({ expf($0) == $1 }) { return a }
        return v.map { logf($0) }
    }

    /// Sets `site`'s thresholds to V = exp(a) for log-thresholds `a`.
    public mutating func setLog(_ a: [Float], for site: AccountingUnit) {
        knownLogValues[site] = a
        values[site] = a.map { expf($0) }
    }

    /// The same thresholds rounded to the log domain: every V becomes exp(ln V), the value a
    /// learned-threshold file holding ln V gives back, so writing the set and reading the file
    /// reproduces it bit for bit. (A change of at most a few ulps.)
    public func inLogDomain() -> ThresholdSet {
        var set = ThresholdSet(values: [:], source: source)
        for site in values.keys { set.setLog(logValues(site), for: site) }
        return set
    }

    /// The same thresholds multiplied by `factor` (for what-if sweeps).
    public func scaled(by factor: Float) -> ThresholdSet {
        guard factor != 1 else { return self }
        return ThresholdSet(values: values.mapValues { $0.map { $0 * factor } }, source: source + " × \(factor)")
    }

    /// Every site gets V = `value` on every channel.
    public static func fixed(_ value: Float, sites: [AccountingUnit], shape: ModelShape) -> ThresholdSet {
        var values: [AccountingUnit: [Float]] = [:]
        for site in sites { values[site] = [Float](repeating: value, count: shape.projectionSize(site.kind)!.fanIn) }
        return ThresholdSet(values: values, source: "fixed \(value)")
    }

    /// The file name marsim looks for beside a checkpoint's config.json.
    public static let sidecarName = "atmn_thresholds.safetensors"

    /// Learned thresholds from a safetensors file holding, per site, a tensor named by the site
    /// (`AccountingUnit.name`, e.g. `layer03.mixer.in_proj`, `lm_head`) of shape [fanIn] with the
    /// **log**-thresholds a (V = exp(a), as ATMN learns them). Extra tensors are ignored.
    public static func learned(file: URL, sites: [AccountingUnit], shape: ModelShape) throws -> ThresholdSet {
        let st = try SafetensorsFile(url: file)
        var values: [AccountingUnit: [Float]] = [:], logs: [AccountingUnit: [Float]] = [:]
        for site in sites {
            let fanIn = shape.projectionSize(site.kind)!.fanIn
            guard let info = st.tensors[site.name] else {
                throw ThresholdError("\(file.path): no log-thresholds for site '\(site.name)' (expected a tensor of that name with shape [\(fanIn)])")
            }
            guard info.shape == [fanIn] else {
                throw ThresholdError("\(file.path): tensor '\(site.name)' has shape \(info.shape), expected [\(fanIn)]")
            }
            guard info.dtype.isFloatingPoint else {
                throw ThresholdError("\(file.path): tensor '\(site.name)' is stored as \(info.dtype.rawValue); log-thresholds must be F32, F16, BF16 or F64")
            }
            let a = try st.floats(site.name)
            let v = a.map { expf($0) }
            if let bad = v.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw ThresholdError("\(file.path): tensor '\(site.name)' channel \(bad) gives threshold \(v[bad]); exp(a) must be finite and > 0")
            }
            values[site] = v
            logs[site] = a
        }
        var set = ThresholdSet(values: values, source: "learned \(file.path)")
        set.knownLogValues = logs
        return set
    }
}

/// Thresholds that cannot be loaded or derived.
public struct ThresholdError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
