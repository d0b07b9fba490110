// Splitting element-wise work (heads, channels, tokens) over the worker threads.
import Foundation

/// Runs `body` over disjoint, consecutive ranges covering 0..<count, on up to `threads` workers when
/// `work` (a rough count of operations) is large enough to pay for a second one (2¹⁶: a worker
/// wake-up costs a few microseconds). Callers give each index arithmetic that does not depend on the
/// split, so results are identical for every thread count.
func forEachRange(of count: Int, work: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let workers = work >= 1 << 16 ? min(max(1, threads), count) : 1
    if workers <= 1 { body(0..<count); return }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: workers) { k in
            work((k * count / workers)..<((k + 1) * count / workers))
        }
    }
}
