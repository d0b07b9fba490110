import Foundation

/// All tensors of a checkpoint directory, from one `model.safetensors`, from the shards listed in
/// `model.safetensors.index.json`, or from every `*.safetensors` file (in that order of preference).
public final class TensorStore: @unchecked Sendable {
    /// The checkpoint directory.
    public let directory: URL
    /// The tensor files, in name order.
    public let files: [SafetensorsFile]
    /// Every tensor by name.
    public let tensors: [String: TensorInfo]
    private let owner: [String: SafetensorsFile]
    /// Whether weights holding NaN or ±infinity load (`--allow-nonfinite`); by default they are refused.
    public var allowsNonFinite = false

    /// Opens every tensor file of `directory` and checks the shard index against the files: each
    /// tensor in exactly one file, and in the file the index names.
    public init(directory: URL) throws {
        self.directory = directory
        let fm = FileManager.default
        try Checkpoint.checkDirectory(directory)
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        let single = directory.appendingPathComponent("model.safetensors")
        var names: [String]
        var weightMap: [String: String]? = nil
        if fm.fileExists(atPath: index.path) {
            weightMap = try Self.readIndex(index)
            names = Array(Set(weightMap!.values)).sorted()
        } else if fm.fileExists(atPath: single.path) {
            names = ["model.safetensors"]
        } else {
            let contents = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
            names = contents.filter { $0.hasSuffix(".safetensors") && !Self.companionFiles.contains($0) }.sorted()
            guard !names.isEmpty else {
                throw CheckpointError.missingFile(path: single.path, hint: "no model.safetensors, model.safetensors.index.json or other *.safetensors in the directory")
            }
        }
        var files: [SafetensorsFile] = []
        var tensors: [String: TensorInfo] = [:]
        var owner: [String: SafetensorsFile] = [:]
        for name in names {
            let url = directory.appendingPathComponent(name)
            guard fm.fileExists(atPath: url.path) else {
                if let target = try? fm.destinationOfSymbolicLink(atPath: url.path) {
                    throw CheckpointError.missingFile(path: url.path, hint: "it is a symbolic link to \(target), which does not exist")
                }
                throw CheckpointError.missingFile(path: url.path, hint: weightMap == nil ? "" : "listed in model.safetensors.index.json")
            }
            let file = try SafetensorsFile(url: url)
            files.append(file)
            for (tensorName, info) in file.tensors {
                if let other = owner[tensorName] {
                    throw CheckpointError.malformedSafetensors(path: url.path, reason: "tensor '\(tensorName)' also appears in \(other.url.lastPathComponent)")
                }
                if let weightMap, weightMap[tensorName] != name {
                    throw CheckpointError.malformedConfig(path: index.path, reason: "tensor '\(tensorName)' is in \(name) but the weight_map says \(weightMap[tensorName] ?? "nothing")")
                }
                tensors[tensorName] = info
                owner[tensorName] = file
            }
        }
        if let weightMap {
            let missing = weightMap.keys.filter { tensors[$0] == nil }.sorted()
            if let first = missing.first {
                throw CheckpointError.malformedConfig(path: index.path, reason: "weight_map lists '\(first)' in \(weightMap[first]!) but that file does not hold it")
            }
        }
        self.files = files
        self.tensors = tensors
        self.owner = owner
    }

    /// safetensors files that may sit beside the weights but are not weights: transformers'
    /// golden outputs in the fixtures, and marsim's learned-threshold sidecar.
    static let companionFiles: Set<String> = ["golden.safetensors", "atmn_thresholds.safetensors"]

    /// The index's weight_map, checked to name at least one tensor and only plain file names in
    /// this directory (transformers writes `model-00001-of-00002.safetensors`; a path would let an
    /// index point anywhere on disk).
    private static func readIndex(_ url: URL) throws -> [String: String] {
        struct Index: Decodable { var weight_map: [String: String] }
        let map = try ConfigFile.decode(Index.self, from: url).weight_map
        if map.isEmpty {
            throw CheckpointError.malformedConfig(path: url.path, reason: "weight_map is empty")
        }
        for file in Set(map.values).sorted() where file.isEmpty || file.contains("/") || file.contains("\\") || file == "." || file == ".." {
            throw CheckpointError.malformedConfig(path: url.path, reason: "weight_map names '\(file)', which is not a file name in the checkpoint directory")
        }
        return map
    }

    /// Total elements over all tensors.
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.elementCount } }

    /// Total bytes of tensor data as stored.
    public var storedBytes: Int { tensors.values.reduce(0) { $0 + $1.dataOffsets.count } }

    /// A weight widened to fp32, after checking that its shape is `shape` and that it is stored as
    /// a floating-point type (an integer tensor is a quantized or foreign checkpoint: widening its
    /// integers as values would be a silently wrong model).
    public func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let info = try checkShape(name, shape)
        guard info.dtype.isFloatingPoint else {
            throw CheckpointError.unsupportedDType(name: name, dtype: info.dtype.rawValue, file: info.file.path)
        }
        return owner[name]!.withRawBytes(info) { DTypeConversion.widen($0, dtype: info.dtype, count: info.elementCount) }
    }

    /// A weight used where it lies: a view of the mapped file in its stored element type (F32, F16,
    /// BF16), or, for F64 or misaligned data, an owned fp32 copy. Shape and type checked as `floats`.
    public func storage(_ name: String, shape: [Int]) throws -> WeightStorage {
        let info = try checkShape(name, shape)
        guard info.dtype.isFloatingPoint else {
            throw CheckpointError.unsupportedDType(name: name, dtype: info.dtype.rawValue, file: info.file.path)
        }
        if let view = owner[name]!.view(info) { return view }
        return WeightStorage(floats: try floats(name, shape: shape))
    }

    /// Several weights of one shape-compatible family stacked one after another (e.g. gate_proj's
    /// rows, then up_proj's): a single view when the file stores them back to back in one element
    /// type, else one owned buffer in their common element type (fp32 when they differ).
    public func stacked(_ names: [String], shapes: [[Int]]) throws -> WeightStorage {
        let infos = try zip(names, shapes).map { try checkShape($0, $1) }
        for info in infos where !info.dtype.isFloatingPoint {
            throw CheckpointError.unsupportedDType(name: info.name, dtype: info.dtype.rawValue, file: info.file.path)
        }
        let file = owner[infos[0].name]!
        let adjacent = infos.indices.dropFirst().allSatisfy { k in
            owner[infos[k].name] === file && infos[k].dtype == infos[0].dtype
                && infos[k].dataOffsets.lowerBound == infos[k - 1].dataOffsets.upperBound
        }
        if adjacent, let view = file.view(of: file.fileRange(infos[0]).lowerBound..<file.fileRange(infos.last!).upperBound,
                                          dtype: infos[0].dtype) {
            return view
        }
        let parts = try infos.map { try storage($0.name, shape: $0.shape) }
        let element = parts.allSatisfy({ $0.element == parts[0].element }) ? parts[0].element : .f32
        return WeightStorage(element: element, count: parts.reduce(0) { $0 + $1.count }) { raw in
            var offset = 0
            for part in parts {
                if part.element == element {
                    (raw + offset).copyMemory(from: part.base, byteCount: part.byteCount)
                } else {
                    part.widen(0..<part.count, into: (raw + offset).assumingMemoryBound(to: Float.self))
                }
                offset += part.count * element.size
            }
        }
    }

    /// The tensor's entry, after checking it exists with exactly `shape`.
    @discardableResult
    ///
    /// Every weight an adapter loads passes here (`floats`, `storage`, `stacked`), so this is also
    /// where stored NaN or ±infinity is refused, unless `allowsNonFinite` (see `NonFiniteValues`).
    public func checkShape(_ name: String, _ shape: [Int]) throws -> TensorInfo {
        guard let info = tensors[name] else {
            throw CheckpointError.missingTensor(name: name, directory: directory.path)
        }
        guard info.shape == shape else {
            throw CheckpointError.shapeMismatch(name: name, expected: shape, actual: info.shape, file: info.file.path)
        }
        if !allowsNonFinite {
            let file = owner[name]!
            let bad = file.withRawBytes(info) { NonFiniteValues.first(in: $0, dtype: info.dtype, count: info.elementCount) }
            // Scanning must not leave the tensor resident: a spiking run reads column-major copies
            // instead, and one copy of the weights in memory is the point of using them in place.
            file.mapping.release(file.fileRange(info))
            if let bad { throw CheckpointError.nonFiniteWeight(name: name, index: bad.index, kind: bad.kind, file: info.file.path) }
        }
        return info
    }

    /// A content hash of the tensor files: FNV-1a 64 over each file's bytes in name order, as hex.
    ///
    /// FNV-1a is not cryptographic; it identifies a checkpoint's content (a changed weight changes
    /// it), which is all a trace needs. It reads every byte once (≈ bandwidth-bound), the first time
    /// only: the files are immutable while mapped, so later calls return the remembered value.
    public func contentHash() -> String {
        hashLock.lock()
        defer { hashLock.unlock() }
        if let cachedHash { return cachedHash }
        let hash = computeContentHash()
        cachedHash = hash
        return hash
    }

    /// Sets the value `contentHash()` returns (one read from a cache keyed by the files' fingerprint).
    func remember(contentHash: String) {
        hashLock.lock()
        defer { hashLock.unlock() }
        cachedHash = contentHash
    }

    private var cachedHash: String?
    private let hashLock = NSLock()

    private func computeContentHash() -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for file in files {
            // Read through the mapping, releasing each block's pages afterwards, so hashing a
            // checkpoint does not leave all of it resident in this process.
            let mapping = file.mapping
            let block = 8 << 20
            var start = 0
            while start < mapping.count {
                let end = min(mapping.count, start + block)
                let raw = mapping.bytes(start..<end)
                // Fold 8 bytes at a time: FNV-1a over 64-bit words (fast, still order-sensitive).
                let words = raw.count / 8
                for i in 0..<words {
                    hash = (hash ^ raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                }
                for i in (words * 8)..<raw.count {
                    hash = (hash ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3
                }
                mapping.release(start..<end)
                start = end
            }
        }
        return String(hash, radix: 16, uppercase: false).leftPadded(to: 16)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
