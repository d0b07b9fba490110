import Foundation
import MarsimReport

/// A study's `--out` folder: new, or empty unless the user allows replacing files in it.
public enum OutputFolder {
    /// Refuses an `out` that is not a directory, or is not empty (unless `overwrite`).
    public static func check(_ out: String, overwrite: Bool) throws {
        var info = stat()
        guard lstat(out, &info) == 0 else {
            if errno == ENOTDIR { throw CLIError("\(out): cannot create the --out folder: a parent of it is a file") }
            return  // created later
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(out): --out must be a folder, and this is a file")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        if !entries.isEmpty && !overwrite {
            throw CLIError("\(out): --out is not empty (\(entries.count) entries); choose a new folder or add --overwrite to replace files of the same names")
        }
    }

    /// Refuses a merge into (a folder inside) one of `set`'s shard folders: it would replace the
    /// shard's traces with mirrors of themselves.
    public static func checkOutside(_ set: ShardSet, out: String) throws {
        let target = URL(fileURLWithPath: out).resolvingSymlinksInPath().standardizedFileURL.path
        for member in set.members {
            let folder = URL(fileURLWithPath: member.folder).resolvingSymlinksInPath().standardizedFileURL.path
            if target == folder || target.hasPrefix(folder + "/") {
                throw CLIError("\(out): --out is (inside) shard \(member.manifest.shard)'s folder \(member.folder); merge into another folder")
            }
        }
    }
}
