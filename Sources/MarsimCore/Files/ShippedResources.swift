import Foundation

/// Where marsim finds what it ships — the embedded checkpoint and the hardware profiles — so the
/// binary works wherever it is installed, never through the path of the sources it was built from.
///
/// A resource (a path relative to a marsim home, e.g. `hardware-profiles`) is looked up in:
/// 1. `$MARSIM_HOME` when set (only there: an explicit choice is not second-guessed);
/// 2. the current directory (running from a clone, as `make demo` does);
/// 3. beside the executable: for each of its folder and up to four ancestors `A`, `A/share/marsim`
///    (what `make install PREFIX=P` lays out: `P/bin/marsim`, `P/share/marsim/…`) and `A` itself
///    (a build inside a clone: `.build/<triple>/release/marsim` is three levels below the clone).
public struct ShippedResources {
    /// The environment variable naming a marsim home folder.
    public static let homeVariable = "MARSIM_HOME"

    public var environment: [String: String]
    public var currentDirectory: URL
    /// The running executable, symbolic links resolved.
    public var executable: URL?

    /// Resources as seen from `currentDirectory` by `executable` with `environment` (tests give their own).
    public init(environment: [String: String], currentDirectory: URL, executable: URL?) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.executable = executable
    }

    /// The resources of this process.
    public static var current: ShippedResources {
        ShippedResources(environment: ProcessInfo.processInfo.environment,
                         currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
                         executable: runningExecutable())
    }

    /// The folders searched, in order.
    public var homes: [URL] {
        if let home = environment[Self.homeVariable], !home.isEmpty {
            return [URL(fileURLWithPath: (home as NSString).expandingTildeInPath, relativeTo: currentDirectory).standardizedFileURL]
        }
        var homes = [currentDirectory.standardizedFileURL]
        if var folder = executable?.deletingLastPathComponent() {
            for _ in 0...4 {
                homes.append(folder.appendingPathComponent("share/marsim"))
                homes.append(folder)
                folder = folder.deletingLastPathComponent()
            }
        }
        return homes
    }

    /// The first existing `home/relative`, or nil when no home has it.
    public func locate(_ relative: String) -> URL? {
        homes.lazy.map { $0.appendingPathComponent(relative) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Why `relative` was not found, in one line: where marsim looked and how to point it elsewhere.
    public func notFound(_ relative: String, what: String, option: String) -> String {
        let looked = homes.prefix(3).map(\.path).joined(separator: ", ") + (homes.count > 3 ? ", …" : "")
        return "\(what) \(relative) not found (looked in \(looked)); pass \(option) or set \(Self.homeVariable) to a folder holding \(relative)"
    }

    /// The executable behind /proc/self/exe (Linux), else argv[0] resolved against the current directory.
    public static func runningExecutable() -> URL? {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: target)
        }
        guard let first = CommandLine.arguments.first, first.contains("/") else { return nil }
        return URL(fileURLWithPath: first).resolvingSymlinksInPath()
    }
}
