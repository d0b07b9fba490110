import Foundation

/// Why a checkpoint could not be loaded. Every message is one line naming the file and the problem.
public enum CheckpointError: Error, LocalizedError, Equatable, CustomStringConvertible {
    /// A file the checkpoint needs is missing.
    case missingFile(path: String, hint: String)
    /// A safetensors file is structurally wrong (header, offsets, dtype …).
    case malformedSafetensors(path: String, reason: String)
    /// config.json (or the shard index) is not usable.
    case malformedConfig(path: String, reason: String)
    /// The architecture is not one marsim runs.
    case unsupportedArchitecture(path: String, reason: String)
    /// A tensor's shape disagrees with what config.json implies.
    case shapeMismatch(name: String, expected: [Int], actual: [Int], file: String)
    /// A tensor the architecture needs is absent.
    case missingTensor(name: String, directory: String)
    /// The checkpoint holds tensors the architecture does not use.
    case unexpectedTensors(names: [String], directory: String)
    /// A weight is stored in an element type marsim does not compute with (integers, booleans).
    case unsupportedDType(name: String, dtype: String, file: String)
    /// A weight holds NaN or ±infinity (refused unless loading with `allowNonFinite`).
    case nonFiniteWeight(name: String, index: Int, kind: String, file: String)

    public var description: String {
        switch self {
        case let .missingFile(path, hint):
            return "\(path): file not found\(hint.isEmpty ? "" : " (\(hint))")"
        case let .malformedSafetensors(path, reason):
            return "\(path): not a valid safetensors file: \(reason)"
        case let .malformedConfig(path, reason):
            return "\(path): \(reason)"
        case let .unsupportedArchitecture(path, reason):
            return "\(path): unsupported architecture: \(reason)"
        case let .shapeMismatch(name, expected, actual, file):
            return "\(file): tensor '\(name)' has shape \(actual) but config.json implies \(expected)"
        case let .missingTensor(name, directory):
            return "\(directory): missing tensor '\(name)' (run `marsim inspect --checkpoint \(directory)` to list tensors)"
        case let .unexpectedTensors(names, directory):
            let shown = names.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            return "\(directory): unexpected tensors \(shown)\(names.count > 3 ? " and \(names.count - 3) more" : "") not used by this architecture"
        case let .nonFiniteWeight(name, index, kind, file):
            return "\(file): tensor '\(name)' holds \(kind) at element \(index); a non-finite weight makes every result meaningless (pass --allow-nonfinite to load it anyway)"
        case let .unsupportedDType(name, dtype, file):
            return "\(file): tensor '\(name)' is stored as \(dtype); marsim reads weights stored as F32, F16, BF16 or F64 (quantized checkpoints are not supported)"
        }
    }

    public var errorDescription: String? { description }
}
