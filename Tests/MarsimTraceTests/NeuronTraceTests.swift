import MarsimCore
import MarsimHDF5
import MarsimTrace
import Testing

extension TraceTests {
    /// Traces record the neuron model (format 1.2) and carry graded payloads; 1.1 traces still read, as ATMN.
    @Suite("Neuron models in traces") struct NeuronTraces {
        static let graded = NeuronRecord(model: "graded", payloadBits: 4, maxPayload: 7, parameters: ["spike_bits": "4"])

        /// SyntheticRun's tokens with payloads up to ±7 and their payload bits counted.
        static func gradedToken(_ run: SyntheticRun, _ k: Int) -> TokenActivity {
            var token = run.token(k)
            for s in token.spikes.indices {
                token.spikes[s].polarity = token.spikes[s].polarity.enumerated().map { e, sign in sign * Int8(1 + (e + k) % 7) }
                let unit = run.metadata.units.firstIndex(of: run.metadata.spikingSites[token.spikes[s].site])!
                token.counts[unit].spikePayloadBits = token.spikes[s].count * 4
            }
            return token
        }

        @Test func gradedPayloadsAndTheNeuronRecordReadBack() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/graded.h5"
                let run = SyntheticRun()
                var metadata = run.metadata
                metadata.neuron = Self.graded
                let tokens = (0..<12).map { Self.gradedToken(run, $0) }
                #expect(tokens.contains { $0.spikes.contains { $0.polarity.contains(7) || $0.polarity.contains(-7) } })
                let writer = try TraceWriter(path: path, metadata: metadata, level: .events)
                for token in tokens { try writer.append(token) }
                try writer.finish(endTime: "2026-12-01T10:05:00Z")

                let reader = try TraceReader(path: path)
                #expect(reader.metadata.neuron == Self.graded)
                #expect(try reader.counts() == tokens.map(\.counts))
                for k in [0, 5, 11] { #expect(sameActivity(try reader.activity(token: k), tokens[k])) }
                let summary = try TraceSummary(reader: reader)
                #expect(summary.run.neuron.label == "graded (spike_bits=4)")
            }
        }

        @Test func payloadsBeyondTheModelsRangeAreRefused() throws {
            try withTemporaryDirectory { directory in
                let run = SyntheticRun()
                var graded = run.metadata
                graded.neuron = Self.graded
                var token = Self.gradedToken(run, 0)
                let site = token.spikes.firstIndex { $0.count > 0 }!
                token.spikes[site].polarity[0] = 8
                let writer = try TraceWriter(path: directory + "/g.h5", metadata: graded, level: .events)
                #expect { try writer.append(token) } throws: { "\($0)".contains("payload 8 is not a nonzero value within ±7") }
                writer.abandon()
                // ATMN (the default record) allows ±1 only.
                let atmn = try TraceWriter(path: directory + "/a.h5", metadata: run.metadata, level: .events)
                #expect { try atmn.append(Self.gradedToken(run, 1)) } throws: { "\($0)".contains("within ±1") }
                atmn.abandon()
            }
        }

        /// A format 1.1 file (no `/marsim/neuron`, no `spike_payload_bits`) made by removing them from a
        /// new trace: it reads as ATMN, with each token's payload bits rebuilt as its spikes × 1.
        @Test func formatOnePointOneReadsAsATMN() throws {
            try withTemporaryDirectory { directory in
                let path = directory + "/old.h5"
                let run = SyntheticRun()
                let tokens = (0..<10).map(run.token)
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: .events)
                for token in tokens { try writer.append(token) }
                try writer.finish(endTime: "2026-12-01T10:05:00Z")
                let old = ActivityCounts.fieldNames.filter { $0 != "spike_payload_bits" }
                let column = ActivityCounts.fieldNames.firstIndex(of: "spike_payload_bits")!
                try TraceSurgery.edit(path) { file in
                    try file.removeMember("/marsim/neuron")
                    try file.removeMember("/marsim/counts/spike_payload_bits")
                    try file.removeMember("/marsim/counter_fields")
                    _ = try file.createDataset("/marsim/counter_fields", strings: old)
                    let baseline = run.metadata.denseBaseline.flatMap { c in c.fields.enumerated().filter { $0.offset != column }.map { Int64($0.element) } }
                    try file.removeMember("/marsim/dense_baseline")
                    _ = try file.createDataset("/marsim/dense_baseline", values: baseline, shape: [run.metadata.units.count, old.count])
                    try file.openGroup("/marsim").setAttribute("format_version", [UInt32(1), 1])
                }
                let reader = try TraceReader(path: path)
                #expect(reader.formatVersion == [1, 1])
                #expect(reader.metadata.neuron == .atmn)
                #expect(reader.metadata.denseBaseline == run.metadata.denseBaseline)
                let expected = tokens.map { token in
                    token.counts.map { c -> ActivityCounts in var c = c; c.spikePayloadBits = c.spikes; return c }
                }
                #expect(try reader.counts() == expected)
                #expect(expected.joined().contains { $0.spikePayloadBits > 0 })
            }
        }
    }
}
