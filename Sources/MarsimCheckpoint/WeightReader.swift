import Foundation

/// Reads tensors for an adapter and remembers which it used, so unused tensors can be reported.
struct WeightReader {
    let store: TensorStore
    private(set) var used: Set<String> = []

    init(store: TensorStore) { self.store = store }

    /// A required tensor of exactly `shape`.
    mutating func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
        used.insert(name)
        return try store.floats(name, shape: shape)
    }

    /// Checks a tensor exists with exactly `shape` and marks it used, without converting it.
    mutating func checkShape(_ name: String, _ shape: [Int]) throws {
        used.insert(name)
        try store.checkShape(name, shape)
    }

    /// A tensor that must be present iff `present`; nil when absent and not expected.
    mutating func optional(_ name: String, _ shape: [Int], present: Bool) throws -> [Float]? {
        guard present else { return nil }
        return try tensor(name, shape)
    }

    /// The first of `names` that exists (for renamed tensors across transformers versions).
    mutating func firstOf(_ names: [String], _ shape: [Int]) throws -> [Float] {
        let name = names.first { store.tensors[$0] != nil } ?? names[0]
        return try tensor(name, shape)
    }

    /// A `[fanOut, fanIn]` PyTorch Linear (+ optional bias) as a column-major projection.
    mutating func linear(_ prefix: String, fanOut: Int, fanIn: Int, bias: Bool) throws -> Projection {
        let weight = try tensor(prefix + ".weight", [fanOut, fanIn])
        let b = try optional(prefix + ".bias", [fanOut], present: bias)
        return Projection(torchWeight: weight, fanOut: fanOut, fanIn: fanIn, bias: b)
    }

    /// Fails when the checkpoint holds tensors the adapter did not read.
    func checkAllUsed() throws {
        let extra = store.tensors.keys.filter { !used.contains($0) }.sorted()
        if !extra.isEmpty {
            throw CheckpointError.unexpectedTensors(names: extra, directory: store.directory.path)
        }
    }
}
