import Foundation
import Testing
@testable import MarsimEnergy

/// The repository's `hardware-profiles/` directory, found from this file's location.
let hardwareProfilesDirectory: String = {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // MarsimEnergyTests
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent()   // package root
        .appendingPathComponent("hardware-profiles").path
}()

/// The profiles shipped in `hardware-profiles/`, by file stem.
let shippedProfileNames = ["horowitz-45nm-compute", "horowitz-45nm-memory", "horowitz-45nm-int8", "loihi-like", "jouppi-7nm-memory",
                           "loihi-davies2018", "spinnaker2-hoppner2019"]

func shippedProfile(_ name: String) throws -> HardwareProfile {
    try HardwareProfile.load(path: hardwareProfilesDirectory + "/" + name + ".toml")
}

/// `|a - b| ≤ tolerance × max(|a|, |b|)`, true when both are 0.
func isClose(_ a: Double, _ b: Double, relative tolerance: Double = 1e-12) -> Bool {
    if a == b { return true }
    return abs(a - b) <= tolerance * max(abs(a), abs(b))
}
