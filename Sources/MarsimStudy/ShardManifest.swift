import Foundation
import MarsimCore

/// `shard.json`: what one shard of a study ran and wrote, written last, when the shard finished.
///
/// A shard folder without it is unfinished (killed, failed, interrupted). `files` maps each file the
/// shard wrote (relative to its folder) to its `ContentDigest`, so a merge notices any file that
/// changed after the shard finished; `studyHash` is checked against `study` so an edited manifest
/// is caught too.
public struct ShardManifest: Sendable, Equatable, Codable {
    public static let fileName = "shard.json"
    public static let formatVersion = 1

    public var format: Int
    public var study: StudyIdentity
    public var studyHash: String
    public var shard: ShardSpec
    /// The work units this shard ran (global indices: `shard.units(of: study.units)`).
    public var units: [Int]
    /// Relative path → FNV-1a 64 of the file's bytes.
    public var files: [String: String]
    public var marsimVersion: String

    enum CodingKeys: String, CodingKey {
        case format, study, studyHash = "study_hash", shard, units, files, marsimVersion = "marsim_version"
    }

    /// A manifest for `shard` of `study`, digesting `files` (paths relative to `folder`) now.
    public init(study: StudyIdentity, shard: ShardSpec, folder: String, files: [String]) throws {
        format = Self.formatVersion
        self.study = study
        studyHash = study.hash
        self.shard = shard
        units = shard.units(of: study.units)
        var digests: [String: String] = [:]
        for file in files { digests[file] = try ContentDigest.ofFile(folder + "/" + file) }
        self.files = digests
        marsimVersion = MarsimCore.marsimVersion
    }

    /// Writes `folder/shard.json` (through a temporary file renamed over it).
    public func write(to folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicOutputFile.write(String(decoding: try encoder.encode(self), as: UTF8.self) + "\n",
                                   to: folder + "/" + Self.fileName, label: "shard manifest")
    }

    /// Reads `folder/shard.json`.
    public static func read(from folder: String) throws -> ShardManifest {
        let path = folder + "/" + fileName
        let data = try InputFile.read(path, label: "shard manifest")
        do {
            let manifest = try JSONDecoder().decode(ShardManifest.self, from: data)
            guard manifest.format == formatVersion else {
                throw StudyError("\(path): shard format \(manifest.format) is not readable by this marsim (reads \(formatVersion))")
            }
            return manifest
        } catch let error as StudyError {
            throw error
        } catch {
            throw StudyError("\(path): not a marsim shard manifest (\(error))")
        }
    }

    /// Throws unless every recorded file still has its recorded digest and the study hash matches.
    public func verify(folder: String) throws {
        guard study.hash == studyHash else {
            throw StudyError("\(folder)/\(Self.fileName): changed after the shard finished (its study no longer matches its recorded hash \(studyHash))")
        }
        for (file, digest) in files.sorted(by: { $0.key < $1.key }) {
            let path = folder + "/" + file
            guard FileManager.default.fileExists(atPath: path) else {
                throw StudyError("\(path): missing: shard \(shard) wrote it, and it is gone")
            }
            let now = try ContentDigest.ofFile(path)
            guard now == digest else {
                throw StudyError("\(path): changed after shard \(shard) finished (digest \(now), recorded \(digest)); re-run the shard")
            }
        }
    }
}
