import MarsimReport

/// The commands' progress line on stderr (`ProgressLine`; this name shadows Foundation's `Progress`).
typealias Progress = ProgressLine
