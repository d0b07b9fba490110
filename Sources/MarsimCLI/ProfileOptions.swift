import ArgumentParser
import Foundation
import MarsimCore
import MarsimEnergy
import MarsimReport

/// `--profile NAME|FILE`, repeatable; names resolve in `hardware-profiles/`.
struct ProfileOptions: ParsableArguments {
    @Option(name: .customLong("profile"),
            help: ArgumentHelp("A hardware profile: a shipped name (e.g. horowitz-45nm-memory) or a .toml file; repeat for several (default: every shipped profile).", valueName: "profile"))
    var profiles: [String] = []

    /// The folder of shipped profiles, `hardware-profiles/`, where `ShippedResources` finds it.
    static var shippedDirectory: URL {
        let resources = ShippedResources.current
        return resources.locate("hardware-profiles") ?? resources.homes[0].appendingPathComponent("hardware-profiles")
    }

    /// Names of the shipped profiles, sorted.
    static var shippedNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: shippedDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Loads every requested profile (or every shipped one); errors name the file, key and line.
    func load() throws -> [HardwareProfile] {
        let requested = profiles.isEmpty ? Self.shippedNames : profiles
        guard !requested.isEmpty else {
            throw CLIError(ShippedResources.current.notFound("hardware-profiles", what: "the shipped profiles", option: "--profile FILE"))
        }
        return try requested.map { spec in
            if FileManager.default.fileExists(atPath: spec) { return try HardwareProfile.load(path: spec) }
            let shipped = Self.shippedDirectory.appendingPathComponent(spec + ".toml")
            guard FileManager.default.fileExists(atPath: shipped.path) else {
                throw CLIError("profile '\(spec)' is neither a file nor a shipped profile (shipped: \(Self.shippedNames.joined(separator: ", ")))")
            }
            return try HardwareProfile.load(path: shipped.path)
        }
    }
}
