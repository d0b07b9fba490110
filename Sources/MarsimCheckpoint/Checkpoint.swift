import Foundation
import MarsimCore

/// A loaded checkpoint directory: the model in marsim's neutral form, plus where it came from.
public struct Checkpoint: Sendable {
    public let directory: URL
    public let architecture: String
    public let model: LanguageModel
    /// Parameters stored in the tensor files.
    public let parameterCount: Int
    /// Bytes of tensor data as stored (bf16 counts 2 per value).
    public let storedBytes: Int
    /// The tensor store, for inspection (names, dtypes, shapes).
    public let store: TensorStore

    /// Loads `directory`: config.json → adapter → tensors (memory-mapped, widened to fp32 once).
    public static func load(_ directory: URL) throws -> Checkpoint {
        let configURL = directory.appendingPathComponent("config.json")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CheckpointError.missingFile(path: directory.path, hint: "expected a checkpoint directory with config.json and *.safetensors")
        }
        let adapter = try ModelRegistry.adapter(forConfig: configURL)
        let store = try TensorStore(directory: directory)
        let model = try adapter.load(configURL: configURL, store: store)
        return Checkpoint(directory: directory, architecture: adapter.name, model: model,
                          parameterCount: store.parameterCount, storedBytes: store.storedBytes, store: store)
    }

    /// The identity recorded in traces.
    public func identity() -> CheckpointIdentity {
        CheckpointIdentity(path: directory.path, shape: model.shape, parameterCount: parameterCount,
                           contentHash: store.contentHash())
    }
}
