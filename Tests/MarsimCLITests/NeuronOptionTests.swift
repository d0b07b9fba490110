import Foundation
@testable import MarsimCLI
import MarsimCore
import MarsimTestSupport
import MarsimTrace
import Testing

/// `--neuron`, `--reset`, `--spike-bits` on the command line, through to traces and what-if results.
@Suite("Neuron options")
struct NeuronOptionTests {
    static let checkpoint = InspectCommandTests.tinyLlambaBytes.path
    static let text = InspectCommandTests.tinyLlambaBytes.appendingPathComponent("heldout.txt").path

    @Test("bad neuron options get a message that says what to do", arguments: [
        (["simulate", "--text", "a", "--neuron", "izhikevich"], "--neuron as one of: atmn, binary, lif, graded"),
        (["simulate", "--text", "a", "--neuron", "graded", "--spike-bits", "9"], "--spike-bits between 2 and 8"),
        (["eval", "--tasks", "t.jsonl", "--neuron", "bogus"], "--neuron as one of"),
        (["whatif", "--text-file", "x", "--out", "o", "--neuron", "atmn,bogus"], "--neuron as one of"),
    ])
    func validation(_ arguments: [String], _ message: String) {
        #expect {
            _ = try MarsimCommand.parseAsRoot(arguments)
        } throws: { error in
            MarsimCommand.message(for: error).contains(message)
        }
    }

    @Test func gradedSimulationRecordsItsModelAndPayloads() throws {
        let dir = try TemporaryDirectory("graded")
        defer { dir.remove() }
        let trace = dir.file("graded.h5").path
        try CLI.run(["simulate", "--checkpoint", Self.checkpoint, "--text-file", Self.text, "--limit", "24", "--neuron", "graded",
                     "--spike-bits", "3", "--calibration-text", Self.text, "--trace", trace])
        let reader = try TraceReader(path: trace)
        #expect(reader.metadata.neuron == NeuronRecord(model: "graded", payloadBits: 3, maxPayload: 3, parameters: ["spike_bits": "3"]))
        let spikes = try (0..<reader.tokensWritten).flatMap { try reader.spikes(token: $0) }
        let payloads = spikes.flatMap(\.polarity)
        #expect(payloads.allSatisfy { $0 != 0 && abs(Int($0)) <= 3 })
        #expect(payloads.contains { abs(Int($0)) > 1 }, "graded events carry payloads beyond ±1")
        let totals = try reader.totalCounts().reduce(ActivityCounts(), +)
        #expect(totals.spikes == payloads.count)
        #expect(totals.spikePayloadBits == 3 * payloads.count)
    }

    @Test func whatifSweepsNeuronModels() throws {
        let dir = try TemporaryDirectory("whatif-neurons")
        defer { dir.remove() }
        let out = dir.file("study").path
        try CLI.run(["whatif", "--checkpoint", Self.checkpoint, "--text-file", Self.text, "--limit", "12", "--timesteps", "2",
                     "--placement", "mixer", "--neuron", "atmn,binary", "--profile", "horowitz-45nm-compute", "--out", out])
        let lines = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let neuron = header.firstIndex(of: "neuron")!, configuration = header.firstIndex(of: "configuration")!
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.map { $0[neuron] } == ["", "atmn", "binary"])
        #expect(rows.map { $0[configuration] } == ["dense", "T2-mixer-x1.0", "binary-T2-mixer-x1.0"])
        #expect(try TraceReader(path: out + "/traces/binary-T2-mixer-x1.0.h5").metadata.neuron.model == "binary")
    }
}
