/// A binary min-heap of `UInt64` keys: the BPE merge queue, keyed by (rank << 32 | position).
struct MinHeap {
    private var keys: [UInt64] = []

    mutating func push(_ key: UInt64) {
        keys.append(key)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> UInt64? {
        guard let last = keys.popLast() else { return nil }
        guard !keys.isEmpty else { return last }
        let top = keys[0]
        keys[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < keys.count else { break }
            let smaller = left + 1 < keys.count && keys[left + 1] < keys[left] ? left + 1 : left
            guard keys[smaller] < keys[parent] else { break }
            keys.swapAt(smaller, parent)
            parent = smaller
        }
        return top
    }
}
