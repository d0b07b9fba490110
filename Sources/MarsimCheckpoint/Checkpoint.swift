import Foundation
import MarsimCore

/// A loaded checkpoint directory: the model in marsim's neutral form, plus where it came from.
public struct Checkpoint: Sendable {
    /// The checkpoint directory (config.json + *.safetensors).
    public let directory: URL
    /// The adapter that loaded it (`ArchitectureAdapter.name`, e.g. `bamba`).
    public let architecture: String
    /// The weights in marsim's neutral form, widened to fp32.
    public let model: LanguageModel
    /// Parameters stored in the tensor files.
    public let parameterCount: Int
    /// Bytes of tensor data as stored (bf16 counts 2 per value).
    public let storedBytes: Int
    /// The tensor store, for inspection (names, dtypes, shapes).
    public let store: TensorStore

    /// Loads `directory`: config.json → adapter → tensors.
    ///
    /// Each safetensors file is memory-mapped (`Data(contentsOf:options: .alwaysMapped)`, an mmap
    /// on Linux and macOS), validated from its header alone, and each weight is widened to fp32
    /// exactly once into the model's arrays; the mapping is then only read again by
    /// `identity()`'s content hash. Every failure is a one-line `CheckpointError` naming the file.
    ///
    /// Weights holding NaN or ±infinity are refused (`CheckpointError.nonFiniteWeight`, naming the
    /// tensor) unless `allowNonFinite`.
    public static func load(_ directory: URL, allowNonFinite: Bool = false) throws -> Checkpoint {
        let configURL = directory.appendingPathComponent("config.json")
        try checkDirectory(directory)
        let adapter = try ModelRegistry.adapter(forConfig: configURL)
        let store = try TensorStore(directory: directory)
        store.allowsNonFinite = allowNonFinite
        var model = try adapter.load(configURL: configURL, store: store)
        model.source = store.weightSource()
        return Checkpoint(directory: directory, architecture: adapter.name, model: model,
                          parameterCount: store.parameterCount, storedBytes: store.storedBytes, store: store)
    }

    /// Throws unless `directory` is an existing directory (a file gets its own message: passing
    /// `…/model.safetensors` instead of its directory is an easy slip).
    static func checkDirectory(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw CheckpointError.missingFile(path: directory.path, hint: "expected a checkpoint directory with config.json and *.safetensors")
        }
        guard isDirectory.boolValue else {
            throw CheckpointError.malformedConfig(path: directory.path, reason: "is a file, not a checkpoint directory (pass the directory holding config.json and *.safetensors)")
        }
    }

    /// The identity recorded in traces.
    public func identity() -> CheckpointIdentity {
        CheckpointIdentity(path: directory.path, shape: model.shape, parameterCount: parameterCount,
                           contentHash: store.contentHash())
    }

    /// `identity()`, its content hash remembered in `cache` (nil: computed).
    public func identity(cache: ColumnCache?) -> CheckpointIdentity {
        if let cache { _ = cache.contentHash(of: store, source: model.source ?? store.weightSource()) }
        return identity()
    }
}
