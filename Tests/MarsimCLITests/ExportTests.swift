import Foundation
@testable import MarsimCLI
import MarsimHDF5
import MarsimTestSupport
import MarsimTrace
import Testing

/// `marsim export --nir`: the file holds NIR's NIRGraphData layout with the trace's events, event
/// for event; nir itself reads it when Python with nir is present.
@Suite("NIR export")
struct ExportTests {
    /// Whether `python3 -c "import nir, h5py"` works here.
    static let pythonWithNIR: Bool = {
        guard let python = ScriptTests.python else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import nir, h5py"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static func trace(in dir: TemporaryDirectory, level: String = "events") throws -> String {
        let path = dir.file("run.h5").path
        try CLI.run(["simulate", "--text", "state space models", "-T", "2", "--threshold", "0.05",
                     "--trace", path, "--trace-level", level])
        return path
    }

    @Test("Each spiking site becomes a node whose ValuedEventData equals the site's events; n_neurons = fan-in, t_max = the run's span")
    func layout() throws {
        let dir = try TemporaryDirectory("nir")
        defer { dir.remove() }
        let tracePath = try Self.trace(in: dir)
        let out = dir.file("run.nir").path
        try CLI.run(["export", tracePath, "--nir", out])
        let reader = try TraceReader(path: tracePath)
        let file = try H5File(opening: out)
        #expect(try file.readStringAttribute("__type__") == "NIRGraphData")
        let nodes = try file.openGroup("nodes")
        #expect(try nodes.memberNames().sorted() == reader.populations.sorted())
        // 18 tokens × 16 sites × T 2 ticks of 1 ms.
        let span = Double(reader.tokensWritten * 16 * 2)
        var total = 0
        for (site, name) in reader.populations.enumerated() {
            let node = try nodes.openGroup(name)
            #expect(try node.readStringAttribute("__type__") == "NIRNodeData")
            let spikes = try node.openGroup("observables").openGroup("spikes")
            #expect(try spikes.readStringAttribute("__type__") == "ValuedEventData")
            #expect(try spikes.readAttribute("n_neurons", as: Int64.self) == Int64(reader.metadata.thresholds[site].count))
            #expect(try spikes.readAttribute("t_max", as: Double.self) == span)
            let events = try reader.events(population: name)
            #expect(try spikes.openDataset("idx").shape() == [1, events.count])
            #expect(try spikes.openDataset("idx").read(as: Int64.self) == events.nodeIDs.map { Int64($0) })
            #expect(try spikes.openDataset("time").read(as: Double.self) == events.timestampsMs)
            #expect(try spikes.openDataset("value").read(as: Float.self) == events.polarity.map { Float($0) })
            total += events.count
        }
        #expect(reader.tokensWritten == 18)
        #expect(total > 0 && total == reader.eventTotals().reduce(0, +))
    }

    @Test("A counts-level trace, and an output aimed at the trace itself, are one-line errors")
    func refusals() throws {
        let dir = try TemporaryDirectory("nir")
        defer { dir.remove() }
        let counts = try Self.trace(in: dir, level: "counts")
        CLI.expectFailure(["export", counts, "--nir", dir.file("x.nir").path], "counts-level trace has no events to export")
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.nir").path))
        let before = CLI.bytes(counts)
        CLI.expectFailure(["export", counts, "--nir", counts], counts)
        #expect(CLI.bytes(counts) == before)
    }

    @Test("nir.read_data reads the export and scripts/check_nir.py finds it equal to the trace",
          .enabled(if: pythonWithNIR, "python3 with nir and h5py not available: pip install nir h5py"))
    func readByNIR() throws {
        let dir = try TemporaryDirectory("nir")
        defer { dir.remove() }
        let tracePath = try Self.trace(in: dir)
        let out = dir.file("run.nir").path
        try CLI.run(["export", tracePath, "--nir", out])
        let (status, text) = try ScriptTests.runPython(["scripts/check_nir.py", out, tracePath])
        #expect(status == 0, "\(text)")
        #expect(text.contains("16 nodes") && text.contains("all checks passed"), "\(text)")
    }
}
