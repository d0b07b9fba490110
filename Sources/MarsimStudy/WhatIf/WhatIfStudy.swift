import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEnergy
import MarsimHDF5
import MarsimReport

/// A what-if study split into shards: what a shard writes, and how shards merge back into exactly
/// what the unsharded command writes.
///
/// A shard folder holds `traces/` (its configurations' traces), `rows.json` (each configuration's
/// figures and energy reports, keyed by work unit: 0 = dense, 1… = configurations in grid order)
/// and `shard.json` (`ShardManifest`, written last). The merge writes `results.csv` and the plots
/// from the rows — per configuration nothing is aggregated across shards, so the numbers are the
/// unsharded run's — and `traces/NAME.h5` as virtual mirrors of the shards' traces (no copy).
public enum WhatIfStudy {
    /// A shard's results file.
    public static let rowsFile = "rows.json"

    struct ShardRows: Codable {
        struct Entry: Codable {
            var unit: Int
            var row: WhatIfRow
        }
        var rows: [Entry]
        /// The plots' caption (the same in every shard of a study), so merged plots equal unsharded ones.
        var caption: String?
    }

    /// Writes `rows.json` (trace paths relative to `out`) and then the manifest.
    public static func writeShard(study: StudyIdentity, shard: ShardSpec, out: String, dense: WhatIfRow?,
                           rows: [(Int, WhatIfRow)], caption: String?) throws {
        var entries: [ShardRows.Entry] = []
        if let dense { entries.append(.init(unit: 0, row: dense)) }
        entries += rows.map { ShardRows.Entry(unit: $0.0, row: $0.1) }
        var traceFiles: [String] = []
        for i in entries.indices {
            let relative = "traces/" + URL(fileURLWithPath: entries[i].row.trace).lastPathComponent
            entries[i].row.trace = relative
            traceFiles.append(relative)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try AtomicOutputFile.write(String(decoding: try encoder.encode(ShardRows(rows: entries, caption: caption)), as: UTF8.self),
                                   to: out + "/" + rowsFile, label: "shard results")
        let manifest = try ShardManifest(study: study, shard: shard, folder: out, files: [rowsFile] + traceFiles)
        try manifest.write(to: out)
        note("wrote shard \(shard) of a \(study.units)-unit what-if study to \(out) (\(entries.count) unit(s)); merge with: marsim merge --out DIR SHARD_DIR...")
    }

    /// Merges checked shards into `out`: `results.csv`, plots, and virtual traces.
    public static func merge(_ set: ShardSet, out: String) throws {
        var byUnit: [Int: (row: WhatIfRow, folder: String)] = [:]
        var caption: String?
        for member in set.members {
            guard member.manifest.files[rowsFile] != nil else {
                throw StudyError("\(member.folder)/\(ShardManifest.fileName): lists no \(rowsFile); not a what-if shard")
            }
            let path = member.folder + "/" + rowsFile
            let rows: ShardRows
            do { rows = try JSONDecoder().decode(ShardRows.self, from: try InputFile.read(path, label: "shard results")) } catch {
                throw StudyError("\(path): not a what-if shard's results (\(CLIError.describe(error)))")
            }
            caption = caption ?? rows.caption
            for entry in rows.rows {
                guard member.manifest.units.contains(entry.unit), byUnit[entry.unit] == nil else {
                    throw StudyError("\(path): unit \(entry.unit) is not this shard's, or appears twice")
                }
                byUnit[entry.unit] = (entry.row, member.folder)
            }
        }
        let units = set.study.units
        if let missing = (0..<units).first(where: { byUnit[$0] == nil }) {
            throw StudyError("no shard holds work unit \(missing) of \(units) (\(missing == 0 ? "the dense reference" : "configuration \(missing)"))")
        }
        let outURL = URL(fileURLWithPath: out)
        let traceDir = outURL.appendingPathComponent("traces")
        try OutputTarget.createDirectories(traceDir.path)
        var rows: [WhatIfRow] = []
        for unit in 0..<units {
            var (row, folder) = byUnit[unit]!
            let source = URL(fileURLWithPath: folder).appendingPathComponent(row.trace).standardizedFileURL.path
            let target = traceDir.appendingPathComponent(URL(fileURLWithPath: row.trace).lastPathComponent)
            try OutputTarget.check(target.path, label: "merged trace")
            try H5VirtualMirror.create(at: target.path, mirroring: source,
                                       sourceName: relativePath(from: traceDir.standardizedFileURL.path, to: source))
            row.trace = target.path
            rows.append(row)
        }
        let dense = rows.removeFirst()
        let profiles = dense.reports.map(\.profile.name)
        try WhatIfOutput(dense: dense, rows: rows, profiles: profiles, profileFiles: profiles.map(sanitizedFileName), out: outURL,
                         caption: caption).write()
    }

    /// `file` relative to the folder `from` (both absolute, standardised), e.g. `../shards/shard-1/traces/dense.h5`.
    static func relativePath(from folder: String, to file: String) -> String {
        let a = folder.split(separator: "/"), b = file.split(separator: "/")
        var common = 0
        while common < min(a.count, b.count - 1), a[common] == b[common] { common += 1 }
        return (Array(repeating: "..", count: a.count - common) + b[common...].map(String.init)).joined(separator: "/")
    }
}
