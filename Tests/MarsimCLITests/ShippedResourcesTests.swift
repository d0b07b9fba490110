import Foundation
@testable import MarsimCLI
import MarsimCore
import MarsimTestSupport
import Testing

/// Finding the embedded checkpoint and the profiles without the source path: MARSIM_HOME, the
/// current directory, an install prefix beside the executable, a clone the executable was built in.
@Suite("Shipped resources")
struct ShippedResourcesTests {
    /// Makes `root/relative` (a folder) and returns root.
    static func home(_ dir: TemporaryDirectory, _ name: String, holding relative: String) throws -> URL {
        let root = dir.file(name)
        try FileManager.default.createDirectory(at: root.appendingPathComponent(relative), withIntermediateDirectories: true)
        return root
    }

    @Test("An install prefix: P/bin/marsim finds P/share/marsim/hardware-profiles from any directory")
    func installPrefix() throws {
        let dir = try TemporaryDirectory("resources")
        defer { dir.remove() }
        let prefix = dir.file("prefix")
        _ = try Self.home(dir, "prefix/share/marsim", holding: "hardware-profiles")
        let elsewhere = try Self.home(dir, "elsewhere", holding: "empty")
        let r = ShippedResources(environment: [:], currentDirectory: elsewhere,
                                 executable: prefix.appendingPathComponent("bin/marsim"))
        #expect(r.locate("hardware-profiles")?.path == prefix.appendingPathComponent("share/marsim/hardware-profiles").path)
        #expect(r.locate("checkpoints/tiny-llamba-bytes") == nil)
    }

    @Test("A clone's build: .build/<triple>/release/marsim finds the clone's folders")
    func cloneBuild() throws {
        let dir = try TemporaryDirectory("resources")
        defer { dir.remove() }
        let clone = try Self.home(dir, "clone", holding: "checkpoints/tiny-llamba-bytes")
        let r = ShippedResources(environment: [:], currentDirectory: dir.url,
                                 executable: clone.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release/marsim"))
        #expect(r.locate("checkpoints/tiny-llamba-bytes")?.path == clone.appendingPathComponent("checkpoints/tiny-llamba-bytes").path)
    }

    @Test("The current directory comes before the executable's; MARSIM_HOME overrides both and is the only place looked")
    func order() throws {
        let dir = try TemporaryDirectory("resources")
        defer { dir.remove() }
        let cwd = try Self.home(dir, "cwd", holding: "hardware-profiles")
        let prefix = try Self.home(dir, "prefix/share/marsim", holding: "hardware-profiles").deletingLastPathComponent().deletingLastPathComponent()
        let home = try Self.home(dir, "home", holding: "checkpoints")
        let executable = prefix.appendingPathComponent("bin/marsim")
        let plain = ShippedResources(environment: [:], currentDirectory: cwd, executable: executable)
        #expect(plain.locate("hardware-profiles")?.path == cwd.appendingPathComponent("hardware-profiles").path)
        let explicit = ShippedResources(environment: ["MARSIM_HOME": home.path], currentDirectory: cwd, executable: executable)
        #expect(explicit.homes.map(\.path) == [home.path])
        #expect(explicit.locate("hardware-profiles") == nil)
        let message = explicit.notFound("hardware-profiles", what: "the shipped profiles", option: "--profile FILE")
        #expect(message == "the shipped profiles hardware-profiles not found (looked in \(home.path)); pass --profile FILE or set MARSIM_HOME to a folder holding hardware-profiles")
    }

    @Test("This test process finds the repository's checkpoint and profiles (beside its executable or in the current directory)")
    func thisProcess() {
        let r = ShippedResources.current
        #expect(r.locate("checkpoints/tiny-llamba-bytes/config.json") != nil)
        #expect(r.locate("hardware-profiles/horowitz-45nm-compute.toml") != nil)
        #expect(r.executable != nil)
    }
}
