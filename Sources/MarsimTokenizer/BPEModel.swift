/// The BPE model of a byte-level `tokenizer.json`: vocabulary, ranked merges, and how one
/// pre-token (a run of bytes) becomes token ids.
///
/// Reproduces `tokenizers`' `BPE` model for byte-level vocabularies: the pre-token starts
/// as one symbol per byte, then the adjacent pair with the best (lowest) merge rank is merged,
/// leftmost first among equals, until no pair has a merge. With `ignore_merges`, a pre-token
/// that is itself in the vocabulary is emitted whole without merging.
struct BPEModel: Sendable {
    /// A merge rule: its priority (its index in `merges`; lower merges first) and the id
    /// of the merged token.
    struct Merge: Sendable, Equatable {
        var rank: Int32
        var id: Int32
    }

    /// Ids of the byte-level vocabulary entries, keyed by the bytes they stand for.
    let idsByBytes: [ByteKey: Int32]
    /// The id of each single-byte token, or -1 when the vocabulary lacks it.
    let byteIDs: [Int32]
    /// Merge rules keyed by ``pairKey(_:_:)`` of the two ids they join.
    let merges: [UInt64: Merge]
    /// Emit a pre-token found whole in the vocabulary without merging.
    let ignoreMerges: Bool
    /// `unk_token`'s id: what a byte without a token becomes (with none, encoding throws).
    let unknownID: Int32?
    /// `fuse_unk`: consecutive unknown bytes become one unknown token.
    let fuseUnknown: Bool

    init(idsByBytes: [ByteKey: Int32], merges: [UInt64: Merge], ignoreMerges: Bool,
         unknownID: Int32?, fuseUnknown: Bool) {
        self.idsByBytes = idsByBytes
        self.merges = merges
        self.ignoreMerges = ignoreMerges
        self.unknownID = unknownID
        self.fuseUnknown = fuseUnknown
        byteIDs = (0..<256).map { idsByBytes[ByteKey([UInt8($0)][...])] ?? -1 }
    }

    /// The key of the pair (`left`, `right`) in ``merges``.
    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// A byte that has no single-byte token, when there is no `unk_token` to use instead.
    struct MissingByte: Error {
        var byte: UInt8
    }

    /// Appends the ids of pre-token `piece` to `ids`.
    ///
    /// - Parameter cache: Results for pre-tokens seen before (texts repeat most words).
    /// - Throws: ``MissingByte`` for a byte without a token when the model has no `unk_token`.
    func tokenize(_ piece: ArraySlice<UInt8>, into ids: inout [Int], cache: inout [ByteKey: [Int32]]) throws {
        let key = ByteKey(piece)
        if let cached = cache[key] {
            for id in cached { ids.append(Int(id)) }
            return
        }
        let symbols = try merged(piece)
        for id in symbols { ids.append(Int(id)) }
        // Long pre-tokens rarely repeat; keep the cache to words.
        if piece.count <= 64 { cache[key] = symbols }
    }

    /// The ids of `piece` after all merges.
    private func merged(_ piece: ArraySlice<UInt8>) throws -> [Int32] {
        if ignoreMerges, let id = idsByBytes[ByteKey(piece)] { return [id] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(piece.count)
        var previousWasUnknown = false
        for byte in piece {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                symbols.append(id)
                previousWasUnknown = false
            } else if let unknownID {
                if !(fuseUnknown && previousWasUnknown) { symbols.append(unknownID) }
                previousWasUnknown = true
            } else {
                throw MissingByte(byte: byte)
            }
        }
        if symbols.count > 1 { applyMerges(to: &symbols) }
        return symbols
    }

    /// Merges the best-ranked adjacent pair of `symbols` (the leftmost among equals) until
    /// none has a merge rule. Two implementations with the same result: a scan for short
    /// words, a heap for long ones (where the scan would be quadratic).
    private func applyMerges(to symbols: inout [Int32]) {
        if symbols.count <= 64 { mergeByScanning(&symbols) } else { mergeWithHeap(&symbols) }
    }

    /// The merge loop for short words: each pair's merge is looked up once and kept beside
    /// it (recomputed only next to a merge); each round scans for the best one.
    private func mergeByScanning(_ symbols: inout [Int32]) {
        let none = Int32.max
        var ranks = [Int32](repeating: none, count: symbols.count - 1)
        var mergedIDs = [Int32](repeating: 0, count: symbols.count - 1)
        func lookUp(_ pair: Int) {
            if let merge = merges[Self.pairKey(symbols[pair], symbols[pair + 1])] {
                ranks[pair] = merge.rank
                mergedIDs[pair] = merge.id
            } else {
                ranks[pair] = none
            }
        }
        for pair in ranks.indices { lookUp(pair) }
        while true {
            var best = -1
            var bestRank = none
            for pair in ranks.indices where ranks[pair] < bestRank {
                best = pair
                bestRank = ranks[pair]
            }
            guard best >= 0 else { return }
            symbols[best] = mergedIDs[best]
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            mergedIDs.remove(at: best)
            if best < ranks.count { lookUp(best) }
            if best > 0 { lookUp(best - 1) }
        }
    }

    /// The merge loop for long words. Symbols form a linked list over their original positions; a min-heap holds candidate
    /// pairs ordered by (rank, position of the left symbol). A popped candidate whose symbols
    /// have changed since it was pushed is stale and skipped. O(n log n) for n bytes.
    private func mergeWithHeap(_ symbols: inout [Int32]) {
        let n = symbols.count
        var next = Array(1...n)  // n: no next symbol
        var previous = Array(-1..<(n - 1))  // -1: no previous symbol
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()

        func pushPair(at position: Int) {
            let right = next[position]
            guard right < n, let merge = merges[Self.pairKey(symbols[position], symbols[right])] else { return }
            heap.push(UInt64(UInt32(merge.rank)) << 32 | UInt64(position))
        }

        for position in 0..<(n - 1) { pushPair(at: position) }
        while let top = heap.pop() {
            let position = Int(top & 0xFFFF_FFFF)
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let right = next[position]
            guard alive[position], right < n,
                  let merge = merges[Self.pairKey(symbols[position], symbols[right])], merge.rank == rank
            else { continue }
            symbols[position] = merge.id
            alive[right] = false
            next[position] = next[right]
            if next[right] < n { previous[next[right]] = position }
            if previous[position] >= 0 { pushPair(at: previous[position]) }
            pushPair(at: position)
        }

        var result: [Int32] = []
        var position = 0
        while position < n {
            result.append(symbols[position])
            position = next[position]
        }
        symbols = result
    }
}
