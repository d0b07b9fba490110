import ArgumentParser
import Foundation
import MarsimCheckpoint
import MarsimEngine

/// How known text is executed: chunking, event delivery, the column cache, threads. None of these
/// change what is computed beyond float rounding (see README "Performance").
struct ExecutionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Known tokens run layer by layer in chunks of n (1: token by token).", valueName: "n"))
    var chunk: Int = ChunkPlan.defaultChunk

    @Option(help: "How spiking sites deliver a chunk's events: events (each event adds a weight column; spikes equal --chunk 1 bit for bit), sparse (the nonzero decoded inputs, each needed weight read once per chunk), gemm (decoded inputs through one GEMM), auto (sparse, or gemm once decoded inputs are dense).")
    var delivery: EventDelivery = .auto

    @Option(help: ArgumentHelp("Where column-major copies of fp32 projections (event delivery needs them; decode reads them fastest) and the checkpoint's content hash are cached (default: $MARSIM_CACHE_DIR, $XDG_CACHE_HOME/marsim or ~/.cache/marsim).", valueName: "dir"))
    var cacheDir: String?

    @Flag(help: "Use no cache: spiking projections transposed in memory, the others used where they lie, the content hash computed.")
    var noCache = false

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard chunk >= 1 else { throw ValidationError("Please give a --chunk of at least 1.") }
        guard threads >= 1 else { throw ValidationError("Please give --threads of at least 1.") }
        if noCache && cacheDir != nil { throw ValidationError("Please give either --cache-dir or --no-cache, not both.") }
    }

    /// The column cache to use, or nil with --no-cache.
    var columnCache: ColumnCache? {
        noCache ? nil : ColumnCache(directory: cacheDir.map { URL(fileURLWithPath: $0) } ?? ColumnCache.defaultDirectory)
    }

    /// `settings` with these options applied.
    func apply(to settings: SimulationSettings) -> SimulationSettings {
        var s = settings
        s.chunk = chunk
        s.delivery = delivery
        s.columnCache = columnCache
        s.threads = threads
        return s
    }
}

extension EventDelivery: ExpressibleByArgument {}
