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

    /// A large tensor of exactly `shape`, used where it lies (see `TensorStore.storage`).
    mutating func storage(_ name: String, _ shape: [Int]) throws -> WeightStorage {
        used.insert(name)
        return try store.storage(name, shape: shape)
    }

    /// The first of `names` that exists (for renamed tensors across transformers versions), in place.
    mutating func firstOf(_ names: [String], _ shape: [Int]) throws -> WeightStorage {
        let name = names.first { store.tensors[$0] != nil } ?? names[0]
        return try storage(name, shape)
    }

    /// A `[fanOut, fanIn]` PyTorch Linear (+ optional bias) as a row-major projection used in place.
    mutating func linear(_ prefix: String, fanOut: Int, fanIn: Int, bias: Bool) throws -> Projection {
        let weight = try storage(prefix + ".weight", [fanOut, fanIn])
        let b = try optional(prefix + ".bias", [fanOut], present: bias)
        return Projection(fanIn: fanIn, fanOut: fanOut, layout: .rowMajor, storage: weight, bias: b)
    }

    /// Several `[rows_k, fanIn]` Linears sharing one input, stacked into one row-major projection
    /// (rows of the first, then the second, …), in place when the file stores them back to back.
    mutating func stackedLinear(_ prefixes: [String], fanOuts: [Int], fanIn: Int, bias: Bool) throws -> Projection {
        let names = prefixes.map { $0 + ".weight" }
        names.forEach { used.insert($0) }
        let weight = try store.stacked(names, shapes: fanOuts.map { [$0, fanIn] })
        var b: [Float]? = nil
        if bias {
            b = []
            for (prefix, rows) in zip(prefixes, fanOuts) { b! += try tensor(prefix + ".bias", [rows]) }
        }
        return Projection(fanIn: fanIn, fanOut: fanOuts.reduce(0, +), layout: .rowMajor, storage: weight, bias: b)
    }

    /// Fails when the checkpoint holds tensors the adapter did not read.
    func checkAllUsed() throws {
        let extra = store.tensors.keys.filter { !used.contains($0) }.sorted()
        if !extra.isEmpty {
            throw CheckpointError.unexpectedTensors(names: extra, directory: store.directory.path)
        }
    }
}
