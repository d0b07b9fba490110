import Foundation
import MarsimCore

/// An architecture marsim can load: decodes its config and maps its tensors to a `LanguageModel`.
public protocol ArchitectureAdapter {
    /// marsim's short name, e.g. `mamba2`.
    static var name: String { get }
    /// `architectures[0]` or `model_type` values in config.json that select this adapter.
    static var identifiers: [String] { get }
    /// Builds the model, checking every tensor's shape against the config.
    static func load(configURL: URL, store: TensorStore) throws -> LanguageModel
}

/// Maps config.json's `architectures` / `model_type` to an adapter.
public enum ModelRegistry {
    /// Every adapter, in lookup order.
    nonisolated(unsafe) public static var adapters: [any ArchitectureAdapter.Type] = [
        Mamba2Architecture.self, BambaArchitecture.self, LlambaArchitecture.self,
    ]

    /// All identifiers marsim accepts (for help and error messages).
    public static var supported: [String] { adapters.flatMap { $0.identifiers } }

    /// The adapter for a config.json, or an error naming what it says and what is supported.
    public static func adapter(forConfig configURL: URL) throws -> any ArchitectureAdapter.Type {
        struct Peek: Decodable {
            var architectures: [String]?
            var model_type: String?
        }
        let peek = try ConfigFile.decode(Peek.self, from: configURL)
        let candidates = (peek.architectures ?? []) + [peek.model_type].compactMap { $0 }
        guard !candidates.isEmpty else {
            throw CheckpointError.malformedConfig(path: configURL.path, reason: "has neither 'architectures' nor 'model_type'")
        }
        for candidate in candidates {
            if let adapter = adapters.first(where: { $0.identifiers.contains(candidate) }) { return adapter }
        }
        throw CheckpointError.unsupportedArchitecture(
            path: configURL.path,
            reason: "\(candidates.map { "'\($0)'" }.joined(separator: "/")) (supported: \(supported.joined(separator: ", ")))")
    }

    /// Whether config.json names a supported architecture (without reading any tensor).
    public static func contains(configURL: URL) -> Bool { (try? adapter(forConfig: configURL)) != nil }
}
