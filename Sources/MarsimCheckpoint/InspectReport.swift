import Foundation
import MarsimCore

/// Everything `marsim inspect` reports about one checkpoint, as plain data (text and JSON views).
public struct InspectReport: Codable, Sendable, Equatable {
    /// Which adapter loaded it, and what config.json calls it.
    public struct Architecture: Codable, Sendable, Equatable {
        /// marsim's adapter name (`mamba2`, `bamba`, …).
        public var adapter: String
        /// config.json's `architectures`.
        public var configArchitectures: [String]
        /// config.json's `model_type`.
        public var configModelType: String?
    }

    /// One stored tensor.
    public struct Tensor: Codable, Sendable, Equatable {
        /// The name in the safetensors header.
        public var name: String
        /// The shape, outermost first.
        public var shape: [Int]
        /// The stored dtype (`F32`, `BF16` …).
        public var dtype: String
        /// Stored bytes.
        public var bytes: Int
        /// The file holding it (name within the checkpoint directory).
        public var file: String
    }

    /// One projection whose input becomes spiking neurons.
    public struct SpikingSite: Codable, Sendable, Equatable {
        /// The unit name within a block, e.g. `mixer.in_proj`.
        public var site: String
        /// Input channels: ATMN neurons per token.
        public var fanIn: Int
        /// Output channels: the weights one spike adds.
        public var fanOut: Int
    }

    /// How text becomes token ids.
    public struct Tokenizer: Codable, Sendable, Equatable {
        /// `byte-level`, `tokenizer.json` or `none`.
        public var kind: String
        /// A sentence for people.
        public var detail: String
    }

    /// The checkpoint directory's path.
    public var checkpoint: String
    /// Adapter and config.json names.
    public var architecture: Architecture
    /// Elements over all stored tensors.
    public var parameterCount: Int
    /// Bytes of tensor data as stored.
    public var storedBytes: Int
    /// The tensor files, in load order.
    public var files: [String]
    /// Tensors per dtype.
    public var dtypes: [String: Int]
    /// The model's shape as the engine sees it.
    public var shape: ModelShape
    /// Every tensor, in natural name order (layers.2 before layers.10).
    public var tensors: [Tensor]
    /// The spiking sites of each block, in forward order.
    public var spikingSitesPerBlock: [SpikingSite]
    /// ATMN neurons per token over all blocks (each site's fan-in; gate and up share theirs).
    public var spikingNeuronsPerToken: Int
    /// What stays dense (fp32 multiply-accumulate or element-wise).
    public var dense: [String]
    /// How text becomes token ids.
    public var tokenizer: Tokenizer

    /// Builds the report of a loaded checkpoint.
    public init(checkpoint: Checkpoint) throws {
        let dir = checkpoint.directory
        let store = checkpoint.store
        let shape = checkpoint.model.shape
        struct Names: Decodable {
            var architectures: [String]?
            var model_type: String?
        }
        let names = try ConfigFile.decode(Names.self, from: dir.appendingPathComponent("config.json"))
        self.checkpoint = dir.path
        architecture = Architecture(adapter: checkpoint.architecture, configArchitectures: names.architectures ?? [],
                                    configModelType: names.model_type)
        parameterCount = checkpoint.parameterCount
        storedBytes = checkpoint.storedBytes
        files = store.files.map { $0.url.lastPathComponent }
        dtypes = Dictionary(grouping: store.tensors.values, by: { $0.dtype.rawValue }).mapValues(\.count)
        self.shape = shape
        tensors = store.tensors.values
            .sorted { Self.naturallyOrdered($0.name, $1.name) }
            .map { Tensor(name: $0.name, shape: $0.shape, dtype: $0.dtype.rawValue, bytes: $0.dataOffsets.count, file: $0.file.lastPathComponent) }

        let kinds: [UnitKind] = shape.mlpHidden > 0
            ? [.mixerInProj, .mixerOutProj, .mlpGateUpProj, .mlpDownProj] : [.mixerInProj, .mixerOutProj]
        spikingSitesPerBlock = kinds.compactMap { kind in
            shape.projectionSize(kind).map { SpikingSite(site: kind.rawValue, fanIn: $0.fanIn, fanOut: $0.fanOut) }
        }
        spikingNeuronsPerToken = shape.layers * spikingSitesPerBlock.reduce(0) { $0 + $1.fanIn }

        let gate = checkpoint.model.blocks.first?.mixer.kind == .discreteMamba2 ? "silu(z + z_bias) gate" : "gated RMSNorm"
        dense = ["embedding lookup", "RMSNorms", "conv1d (\(shape.convKernel) taps per channel)", "SSM scan, D·x skip and \(gate)"]
            + (shape.mlpHidden > 0 ? ["silu(gate) · up"] : [])
            + ["lm_head (\(shape.tiedHead ? "tied to the embedding" : "lm_head.weight"); dense unless made a spiking site)"]

        tokenizer = Self.tokenizer(directory: dir, vocabSize: shape.vocabSize)
    }

    /// How marsim turns text into ids for this checkpoint: bytes when the vocabulary is 256 and
    /// there is no tokenizer.json; else the tokenizer.json beside config.json; else nothing.
    static func tokenizer(directory: URL, vocabSize: Int) -> Tokenizer {
        let file = directory.appendingPathComponent("tokenizer.json")
        let hasFile = FileManager.default.fileExists(atPath: file.path)
        if vocabSize == 256 && !hasFile {
            return Tokenizer(kind: "byte-level", detail: "byte-level: each byte is one token (vocabulary 256, no tokenizer.json)")
        }
        if hasFile {
            return Tokenizer(kind: "tokenizer.json", detail: "tokenizer.json (\(file.path))")
        }
        return Tokenizer(kind: "none", detail: "none: no tokenizer.json and vocabulary \(vocabSize) ≠ 256; pass --input-ids")
    }

    // MARK: Views

    /// The report as JSON with sorted keys.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The report for people: aligned key/value lines, the tensor table, the simulation plan.
    public func text() -> String {
        let s = shape
        var out: [String] = []
        let config = (architecture.configArchitectures.isEmpty ? [] : ["architectures \(architecture.configArchitectures.joined(separator: ", "))"])
            + (architecture.configModelType.map { ["model_type \($0)"] } ?? [])
        let dtypeList = dtypes.keys.sorted().map { "\($0) × \(dtypes[$0]!)" }.joined(separator: ", ")
        out += Self.aligned([
            ("Checkpoint", checkpoint),
            ("Architecture", "\(architecture.adapter) (config.json: \(config.joined(separator: ", ")))"),
            ("Parameters", "\(Self.grouped(parameterCount)) (\(Self.metric(Double(parameterCount), unit: "")))"),
            ("Stored", "\(Self.grouped(storedBytes)) bytes (\(Self.metric(Double(storedBytes), unit: "B"))) in \(files.joined(separator: ", "))"),
            ("Dtypes", "\(dtypeList) tensors"),
        ], indent: "")

        out += ["", "Shape"]
        var inProj = "\(s.inProjRows)"
        if s.inProjRows == 2 * s.dInner + 2 * s.groups * s.dState + s.heads {
            inProj += s.architecture == "llamba"
                ? " (xBC \(s.convChannels), z \(s.dInner), A_log \(s.heads))"
                : " (z \(s.dInner), xBC \(s.convChannels), dt \(s.heads))"
        }
        out += Self.aligned([
            ("D   hidden size", "\(s.dModel)"),
            ("L   layers", "\(s.layers)"),
            ("V   vocabulary", "\(s.vocabSize)"),
            ("H×P heads × head_dim", "\(s.heads) × \(s.headDim) = \(s.dInner) (I)"),
            ("G   groups", "\(s.groups)"),
            ("N   state size", "\(s.dState)"),
            ("K   conv kernel", "\(s.convKernel)"),
            ("M   MLP width", s.mlpHidden > 0 ? "\(s.mlpHidden)" : "none (mixer-only blocks)"),
            ("    in_proj rows", inProj),
            ("    head", s.tiedHead ? "tied (the embedding)" : "untied (lm_head.weight)"),
        ], indent: "  ")

        out += ["", "Tensors (\(tensors.count))"]
        let rows = [("NAME", "SHAPE", "DTYPE", "BYTES", "FILE")]
            + tensors.map { ($0.name, "[" + $0.shape.map(String.init).joined(separator: ", ") + "]", $0.dtype, Self.grouped($0.bytes), $0.file) }
        let widths = (rows.map(\.0.count).max()!, rows.map(\.1.count).max()!, rows.map(\.2.count).max()!, rows.map(\.3.count).max()!)
        let showFile = files.count > 1
        for row in rows {
            var line = "  " + Self.pad(row.0, widths.0) + "  " + Self.pad(row.1, widths.1) + "  " + Self.pad(row.2, widths.2)
                + "  " + String(repeating: " ", count: widths.3 - row.3.count) + row.3
            if showFile { line += "  " + row.4 }
            out.append(line)
        }

        out += ["", "What marsim will do with it"]
        out.append("  Spiking sites per block (the input channels become ATMN neurons; × \(s.layers) blocks):")
        let siteWidth = spikingSitesPerBlock.map(\.site.count).max() ?? 0
        let sizes = spikingSitesPerBlock.map { "\($0.fanIn) → \($0.fanOut)" }
        let sizeWidth = sizes.map(\.count).max() ?? 0
        for (site, size) in zip(spikingSitesPerBlock, sizes) {
            let note = site.site == UnitKind.mlpGateUpProj.rawValue ? " (gate and up share one input)" : ""
            out.append("    \(Self.pad(site.site, siteWidth))  \(Self.pad(size, sizeWidth))  \(site.fanIn) neurons\(note)")
        }
        out.append("    = \(Self.grouped(spikingNeuronsPerToken / max(s.layers, 1))) neurons per block, \(Self.grouped(spikingNeuronsPerToken)) per token")
        out.append("  Dense: " + dense.joined(separator: "; "))
        out.append("  Tokenizer: " + tokenizer.detail)
        return out.joined(separator: "\n")
    }

    // MARK: Formatting

    static func aligned(_ pairs: [(String, String)], indent: String) -> [String] {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { indent + pad($0.0, width) + "  " + $0.1 }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// 1_095_424 → "1.10 M", 4_381_696 B → "4.38 MB" (decimal prefixes).
    static func metric(_ value: Double, unit: String) -> String {
        for (scale, prefix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] where value >= scale {
            return String(format: "%.2f", value / scale) + " " + prefix + unit
        }
        return "\(Int(value)) \(unit)".trimmingCharacters(in: .whitespaces)
    }

    /// Name order in which digit runs compare as numbers: `layers.2.x` < `layers.10.x`.
    static func naturallyOrdered(_ a: String, _ b: String) -> Bool {
        func chunks(_ s: String) -> [(String, Int?)] {
            var out: [(String, Int?)] = []
            var current = ""
            var digits = false
            for ch in s {
                let isDigit = ch.isASCII && ch.isNumber
                if isDigit != digits, !current.isEmpty {
                    out.append((current, digits ? Int(current) : nil))
                    current = ""
                }
                digits = isDigit
                current.append(ch)
            }
            if !current.isEmpty { out.append((current, digits ? Int(current) : nil)) }
            return out
        }
        for (x, y) in zip(chunks(a), chunks(b)) where x.0 != y.0 {
            if let i = x.1, let j = y.1, i != j { return i < j }
            return x.0 < y.0
        }
        return a.count < b.count
    }
}
