import Foundation
import MarsimCore
import MarsimEnergy
import MarsimHDF5
import MarsimTestSupport
@testable import MarsimTrace
import Testing

extension TraceTests {
    /// 1,000 seeded random mutations of real traces and journals written by marsim. Each is read
    /// the way `marsim trace` and `marsim energy` read a file; it must either be read or fail with
    /// a one-line `TraceError`/`EnergyError` naming the file — never trap (a trap kills the test
    /// process, so reaching the end is the main assertion), hang (each read is timed) or allocate
    /// without bound (peak resident memory is checked). Mutations are replayable: a failure names
    /// the seed, the index and the edit.
    ///
    /// HDF5 files are mutated through the HDF5 library (attributes, elements, extents, types,
    /// deleted objects, truncation); journals byte by byte, with and without their checksums
    /// repaired (so damaged records reach the decoder). Flipping raw bytes of HDF5's own metadata
    /// is left out here: HDF5 1.10.8 itself crashes on some of those (its global heap and metadata
    /// cache), which no in-process caller can prevent; `marsim trace`/`energy` contain such crashes
    /// in a child process (`CrashIsolationTests`).
    @Suite("Trace fuzz") struct TraceFuzz {
        static let seed: UInt64 = 0x7472_6163_65  // "trace"
        static let mutations = 1_000

        enum Outcome { case read, refused }

        /// Reads `path` as `marsim trace` and `marsim energy` do; any error but a one-line
        /// `TraceError` or `EnergyError` naming the file is an issue.
        static func exercise(_ path: String, profile: HardwareProfile, _ label: @autoclosure () -> String) -> Outcome {
            do {
                let reader = try TraceReader(path: path)
                let summary = try TraceSummary(reader: reader)  // counts totals, fidelity
                for population in reader.populations { _ = try reader.events(population: population) }
                if reader.tokensWritten > 0 {
                    _ = try reader.spikes(token: reader.tokensWritten - 1)
                    _ = try reader.chunkLengths()
                    let report = try EnergyModel.report(profile: profile, inputs: EnergyInputs(metadata: reader.metadata, counts: try reader.counts()))
                    #expect(report.joulesPerToken.isFinite && report.joulesPerToken >= 0, "\(label())")
                }
                #expect(summary.tokens == reader.tokensWritten, "\(label())")
                return .read
            } catch let error as TraceError {
                let message = error.description
                #expect(!message.contains("\n") && message.contains(path), "\(label()): \(message)")
                return .refused
            } catch let error as EnergyError {
                #expect(!error.description.contains("\n"), "\(label()): \(error)")
                return .refused
            } catch {
                Issue.record("\(label()): threw \(type(of: error)) instead of a TraceError: \(error)")
                return .refused
            }
        }

        /// The base files: finished events and counts traces, a stopped (incomplete) one, and a journal.
        static func bases(in directory: String) throws -> [String] {
            let run = SyntheticRun(eventsPerSite: 3, inputTokens: 8, layers: 1)  // one layer: fewer objects, faster reads
            var paths: [String] = []
            for (name, level, finish) in [("events", TraceLevel.events, true), ("counts", .counts, true), ("stopped", .events, false)] {
                let path = directory + "/base-\(name).h5"
                let writer = try TraceWriter(path: path, metadata: run.metadata, level: level, flushPolicy: .everyToken)
                for k in 0..<6 { try writer.append(run.token(k)) }
                if finish { try writer.finish(endTime: "2026-12-01T10:05:00Z") } else { try writer.publishIncomplete() }
                paths.append(path)
            }
            let journalTrace = directory + "/base-journal.h5"
            let writer = try TraceWriter(path: journalTrace, metadata: run.metadata, level: .events, flushPolicy: .everyToken)
            for k in 0..<5 { try writer.append(run.token(k)) }
            paths.append(writer.abandon()!)
            return paths
        }

        static let numericAttributes: [(object: String, name: String)] = [
            ("/", "magic"), ("/", "version"), ("/marsim", "format_version"), ("/marsim", "timesteps"), ("/marsim", "tau"),
            ("/marsim", "sites_per_token"), ("/marsim", "schedule_timesteps"), ("/marsim", "tick_period_ms"),
            ("/marsim", "tokens_flushed"), ("/marsim", "complete"), ("/marsim/checkpoint", "parameter_count"),
            ("/marsim/checkpoint", "d_model"), ("/marsim/checkpoint", "layers"), ("/marsim/checkpoint", "vocab_size"),
            ("/marsim/checkpoint", "tied_head"),
        ]
        static let stringAttributes: [(object: String, name: String)] = [
            ("/marsim", "level"), ("/marsim", "mode"), ("/marsim", "start_time"), ("/marsim", "end_time"),
            ("/marsim/checkpoint", "architecture"), ("/spikes/layer00.mixer.in_proj/timestamps", "units"),
        ]
        static let integers: [Int64] = [0, 1, -1, 2, 7, 255, 256, 1 << 31, -(1 << 31), 1 << 40, 1 << 62, .max, .min, .max - 1]
        static let doubles: [Double] = [0, -0.0, 1, -1, .nan, .infinity, -.infinity, 1e308, -1e308, .leastNonzeroMagnitude, 1e-300]

        /// Every dataset of the file, by path.
        static func datasets<C: H5Container & ~Copyable>(_ container: borrowing C) throws -> [String] {
            var result: [String] = []
            for name in try container.memberNames() {
                switch try container.kind(of: name) {
                case .group?:
                    let group = try container.openGroup(name)
                    result.append(group.objectPath)
                    result += try datasets(group)
                case .dataset?: result.append(try container.openDataset(name).objectPath)
                default: break
                }
            }
            return result
        }

        /// The groups and datasets of each base file (`objects`), and which are datasets.
        nonisolated(unsafe) static var layouts: [String: (objects: [String], datasets: [String])] = [:]

        static func layout(of base: String) throws -> (objects: [String], datasets: [String]) {
            if let known = layouts[base] { return known }
            let file = try H5File(opening: base)
            let objects = try datasets(file)
            let layout = (objects, try objects.filter { try file.kind(of: $0) == .dataset })
            layouts[base] = layout
            return layout
        }

        /// One edit through the HDF5 library; returns what it did.
        static func mutateHDF5(_ path: String, base: String, _ random: inout SplitMix64) throws -> String {
            var label = ""
            let (objects, datasetPaths) = try layout(of: base)
            try TraceSurgery.edit(path) { file in
                switch random.below(7) {
                case 0:
                    let (object, name) = random.pick(numericAttributes)
                    guard try file.contains(object) || object == "/" else { label = "no \(object)"; return }
                    func set<O: H5Object & ~Copyable>(_ owner: borrowing O) throws {
                        switch random.below(4) {
                        case 0:
                            let value = random.pick(integers)
                            try owner.setAttribute(name, value)
                            label = "\(object)@\(name) = \(value) (int64)"
                        case 1:
                            let value = random.pick(doubles)
                            try owner.setAttribute(name, value)
                            label = "\(object)@\(name) = \(value) (float64)"
                        case 2:
                            let value = UInt8(truncatingIfNeeded: random.next())
                            try owner.setAttribute(name, value)
                            label = "\(object)@\(name) = \(value) (uint8)"
                        default:
                            let values = (0..<random.below(20)).map { _ in UInt32(truncatingIfNeeded: random.next()) }
                            try owner.setAttribute(name, values)
                            label = "\(object)@\(name) = \(values.count) uint32 values"
                        }
                    }
                    if object == "/" { try set(file) } else if try file.kind(of: object) == .group { try set(try file.openGroup(object)) } else { try set(try file.openDataset(object)) }
                case 1:
                    let (object, name) = random.pick(stringAttributes)
                    guard try file.contains(object) else { label = "no \(object)"; return }
                    let value = random.pick(["", "events", "counts", "dense", "spiking", "ms", "s", "\u{0}", String(repeating: "x", count: 5000), "é\n\t"])
                    if try file.kind(of: object) == .group { try file.openGroup(object).setAttribute(name, value) } else { try file.openDataset(object).setAttribute(name, value) }
                    label = "\(object)@\(name) = \"\(value.prefix(12))\""
                case 2:
                    let object = random.pick(datasetPaths)
                    let dataset = try file.openDataset(object)
                    let count = try dataset.dataspace().elementCount()
                    guard count > 0 else { label = "\(object) is empty"; return }
                    let index = random.below(count)
                    switch try dataset.storedType() {
                    case .integer(_, signed: true):
                        var values = try dataset.read(as: Int64.self)
                        values[index] = random.pick(integers)
                        try dataset.write(values)
                        label = "\(object)[\(index)] = \(values[index])"
                    case .integer(_, signed: false):
                        var values = try dataset.read(as: UInt64.self)
                        values[index] = random.chance(0.5) ? UInt64(bitPattern: random.pick(integers)) : random.next()
                        try dataset.write(values)
                        label = "\(object)[\(index)] = \(values[index])"
                    case .float:
                        var values = try dataset.read(as: Double.self)
                        values[index] = random.pick(doubles)
                        try dataset.write(values)
                        label = "\(object)[\(index)] = \(values[index])"
                    case .string:
                        var values = try dataset.readStrings()
                        values[index] = random.pick(["", "layer99.mixer.in_proj", "lm_head", "layer-1.mlp.act", "x/y", "layer00.mixer.in_proj"])
                        try dataset.write(strings: values)
                        label = "\(object)[\(index)] = \"\(values[index])\""
                    default:
                        label = "\(object): other type"
                    }
                case 3:
                    let object = random.pick(datasetPaths)
                    let dataset = try file.openDataset(object)
                    var shape = try dataset.shape()
                    guard !shape.isEmpty, case .chunked = try dataset.storageLayout() else { label = "\(object) is not extendable"; return }
                    shape[0] = random.pick([0, 1, max(0, shape[0] - 1), shape[0] + 1, 2 * shape[0] + 3, 1_000_000, 1_000_000_000, 1 << 40])
                    try dataset.setExtent(shape)
                    label = "\(object) extent \(shape)"
                case 4:
                    let object = random.pick(objects)
                    try file.removeMember(object)
                    label = "delete \(object)"
                case 5:
                    let (object, name) = random.pick(numericAttributes + stringAttributes)
                    guard try file.contains(object) || object == "/" else { label = "no \(object)"; return }
                    if object == "/" { try? file.deleteAttribute(name) } else if try file.kind(of: object) == .group {
                        try? file.openGroup(object).deleteAttribute(name)
                    } else { try? file.openDataset(object).deleteAttribute(name) }
                    label = "delete \(object)@\(name)"
                default:
                    let object = random.pick(datasetPaths)
                    try file.removeMember(object)
                    switch random.below(3) {
                    case 0: try file.createDataset(object, values: [Float](repeating: 1.5, count: random.below(40)))
                    case 1: try file.createDataset(object, strings: ["a", "b"])
                    default: try file.createDataset(object, values: [Int64](repeating: 3, count: 6), shape: [2, 3])
                    }
                    label = "replace \(object) with another type or shape"
                }
            }
            return label
        }

        /// One edit of a journal's bytes; with `repair`, checksums are recomputed so the damage reaches the decoder.
        static func mutateJournal(_ bytes: inout [UInt8], _ random: inout SplitMix64) -> String {
            let headerLength = Int(bytes[16..<24].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            let headerEnd = 32 + headerLength
            var records: [(start: Int, end: Int)] = []
            var offset = headerEnd
            while offset + 24 <= bytes.count {
                let length = Int(bytes[offset + 8 ..< offset + 16].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
                guard offset + 24 + length <= bytes.count else { break }
                records.append((offset, offset + 24 + length))
                offset += 24 + length
            }
            func repair(_ record: (start: Int, end: Int)) {
                let tokens = bytes[record.start + 4 ..< record.start + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                let length = UInt64(record.end - record.start - 24)
                let checksum = JournalChecksum.record(tokens: tokens, length: length, payload: Array(bytes[record.start + 24 ..< record.end]))
                withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange(record.start + 16 ..< record.start + 24, with: $0) }
            }
            switch random.below(6) {
            case 0:
                let position = random.below(bytes.count)
                bytes[position] ^= UInt8(1) << UInt8(random.below(8))
                return "flip a bit at \(position)"
            case 1, 2:
                guard let record = records.isEmpty ? nil : random.pick(records) else { return "no record" }
                var edits: [String] = []
                for _ in 0..<(1 + random.below(4)) {
                    let position = record.start + 24 + random.below(record.end - record.start - 24)
                    bytes[position] = random.chance(0.5) ? UInt8(truncatingIfNeeded: random.next()) : random.pick([0, 0x7F, 0x80, 0xFF])
                    edits.append("\(position)")
                }
                repair(record)
                return "payload bytes \(edits.joined(separator: ",")) changed, checksum repaired"
            case 3:
                guard let record = records.isEmpty ? nil : random.pick(records) else { return "no record" }
                let tokens = random.pick([0, 2, 100, Int(UInt32.max)])
                withUnsafeBytes(of: UInt32(tokens).littleEndian) { bytes.replaceSubrange(record.start + 4 ..< record.start + 8, with: $0) }
                repair(record)
                return "record token count \(tokens), checksum repaired"
            case 4:
                // The header's JSON: a number replaced, checksum repaired.
                var json = String(decoding: bytes[32 ..< headerEnd], as: UTF8.self)
                let replacement = random.pick(["-1", "0", "1e308", "9223372036854775807", "-9223372036854775808", "255", "256", "null", "\"x\""])
                let digits = json.indices.filter { json[$0].isNumber }
                guard let at = digits.isEmpty ? nil : random.pick(digits) else { return "no number" }
                var end = at
                while end < json.endIndex, json[end].isNumber || json[end] == "." || json[end] == "e" || json[end] == "-" { end = json.index(after: end) }
                json.replaceSubrange(at ..< end, with: replacement)
                let data = Array(json.utf8)
                var out = Array(bytes[0 ..< 16])
                withUnsafeBytes(of: UInt64(data.count).littleEndian) { out.append(contentsOf: $0) }
                withUnsafeBytes(of: JournalChecksum.of(data).littleEndian) { out.append(contentsOf: $0) }
                bytes = out + data + Array(bytes[headerEnd...])
                return "header number → \(replacement), checksum repaired"
            default:
                let keep = random.below(bytes.count + 1)
                bytes = Array(bytes.prefix(keep))
                if random.chance(0.5) { bytes += (0..<random.below(300)).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
                return "cut at \(keep), maybe garbage after"
            }
        }

        @Test func mutatedTracesNeverCrash() throws {
            try withTemporaryDirectory { directory in
                let profile = try HardwareProfile.load(path: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("hardware-profiles/loihi-like.toml").path)
                let bases = try Self.bases(in: directory)
                var random = SplitMix64(seed: Self.seed)
                var read = 0, refused = 0, slowest = Duration.zero, reading = Duration.zero
                try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
                let baseline = try StreamingMemory.status("VmRSS")
                let start = ContinuousClock.now
                for i in 0..<Self.mutations {
                    let base = random.pick(bases)
                    let path = directory + "/m\(i % 8)" + (base.hasSuffix(".partial") ? ".partial" : ".h5")
                    try? FileManager.default.removeItem(atPath: path)
                    var label: String
                    if base.hasSuffix(".partial") {
                        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: base)))
                        label = Self.mutateJournal(&bytes, &random)
                        try Data(bytes).write(to: URL(fileURLWithPath: path))
                    } else if random.below(12) == 0 {
                        let bytes = try Data(contentsOf: URL(fileURLWithPath: base))
                        let keep = random.below(bytes.count)
                        try bytes.prefix(keep).write(to: URL(fileURLWithPath: path))
                        label = "truncate to \(keep) of \(bytes.count) bytes"
                    } else {
                        try FileManager.default.copyItem(atPath: base, toPath: path)
                        label = (try? Self.mutateHDF5(path, base: base, &random)) ?? "edit refused by HDF5"
                    }
                    let began = ContinuousClock.now
                    switch Self.exercise(path, profile: profile, "mutation \(i) (seed \(Self.seed)) of \((base as NSString).lastPathComponent): \(label)") {
                    case .read: read += 1
                    case .refused: refused += 1
                    }
                    let took = ContinuousClock.now - began
                    slowest = max(slowest, took)
                    reading += took
                    #expect(took < .seconds(5), "mutation \(i): \(label) took \(took)")
                }
                let peak = try StreamingMemory.status("VmHWM") - baseline
                print("trace fuzz: \(Self.mutations) mutations in \(ContinuousClock.now - start): \(read) read, \(refused) refused; "
                      + "reading \(reading), slowest \(slowest), peak RSS +\(peak >> 20) MiB")
                #expect(read + refused == Self.mutations)
                #expect(read > Self.mutations / 10 && refused > Self.mutations / 4, "the mutations should both break and spare files")
                #expect(peak < 256 << 20, "peak resident memory grew by \(peak >> 20) MiB")
            }
        }
    }
}
