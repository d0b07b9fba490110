import Foundation

/// A progress line on stderr for long runs (redrawn in place on a terminal, a line every ~10% otherwise).
/// Nothing is shown during the first second, so quick runs stay quiet. (Named apart from
/// Foundation's `Progress`; the commands call it `Progress`.)
public struct ProgressLine {
    public let label: String
    public let total: Int
    public let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let interactive = isatty(STDERR_FILENO) != 0

    /// A bar for `total` steps, shown only when `total` is at least `minimumTotal`.
    public init(label: String, total: Int, minimumTotal: Int = 64) {
        self.label = label
        self.total = total
        enabled = total >= minimumTotal
    }

    /// Redraws the bar after `done` of `total` steps.
    public mutating func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) > 1 || (lastDecile >= 0 && done == total) else { return }
        let decile = done * 10 / max(total, 1)
        if interactive {
            guard now.timeIntervalSince(lastDraw) > 0.2 || done == total else { return }
        } else {
            guard decile != lastDecile else { return }
        }
        lastDraw = now
        lastDecile = decile
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 24, filled = width * done / max(total, 1)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = String(format: "%@ [%@] %d/%d  %.1f/s  ETA %.0fs", label, bar, done, total, rate, eta)
        FileHandle.standardError.write(Data(((interactive ? "\r" : "") + text + (interactive ? "" : "\n")).utf8))
    }

    /// Ends the line (on a terminal).
    public func finish() {
        if enabled && interactive && lastDecile >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
