import Foundation
import Testing
@testable import MarsimEnergy

@Suite("Shipped profiles")
struct ShippedProfilesTests {
    @Test("every file in hardware-profiles/ is listed and loads")
    func directoryMatchesList() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: hardwareProfilesDirectory)
            .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(files == shippedProfileNames.sorted())
    }

    @Test("loads, is named after its file, and every entry has a source", arguments: shippedProfileNames)
    func loads(name: String) throws {
        let profile = try shippedProfile(name)
        #expect(profile.name == name)
        #expect(profile.schemaVersion == 1)
        #expect(!profile.process.isEmpty)
        #expect(!profile.notes.isEmpty)
        for (key, entry) in profile.entries {
            #expect(!entry.source.trimmingCharacters(in: .whitespaces).isEmpty, "\(key) has no source")
            if entry.isAssumption {
                #expect(entry.source.contains("ASSUMPTION") || key.hasSuffix(".add") || key.hasSuffix(".mul"),
                        "\(key) is marked as an assumption; its source should say so")
            }
        }
        for (key, placement) in profile.memory.placementsByKey {
            #expect(!placement.source.isEmpty, "memory.placement.\(key) has no source")
        }
    }

    @Test("compute-only charges MACs and ACs and nothing else")
    func computeOnlyIsTheMARConvention() throws {
        let p = try shippedProfile("horowitz-45nm-compute")
        #expect(p.kind == .computeOnly)
        #expect(p.compute["mac"]!.baseValue == 4.6e-12)
        #expect(p.compute["ac"]!.baseValue == 0.9e-12)
        for (key, entry) in p.entries where key != "compute.mac" && key != "compute.ac" {
            let isCost = key.hasPrefix("compute.") || key.hasSuffix(".read") || key.hasSuffix(".write")
                || key == "power.static"
            if isCost { #expect(entry.baseValue == 0, "\(key) must cost 0 in the MAR convention") }
        }
    }

    /// The 7 nm profile: Jouppi et al.'s two figures as published, everything else by the rule its
    /// notes state (arithmetic × 1.31/3.7, SRAM × 0.5 ranged × 0.354 … × 1), recomputed here.
    @Test("jouppi-7nm-memory: published figures, the scaling rule and its ranges")
    func sevenNanometre() throws {
        let p = try shippedProfile("jouppi-7nm-memory")
        let old = try shippedProfile("horowitz-45nm-memory")
        #expect(p.compute["mul"]!.baseValue == 1.31e-12 && !p.compute["mul"]!.isAssumption)
        let gddr6 = p.memory.levels["gddr6"]!.read
        #expect(gddr6.range!.low.baseValue == 350e-12 && gddr6.range!.high.baseValue == 480e-12)
        #expect(gddr6.baseValue == (350e-12 + 480e-12) / 2)
        #expect(p.memory.placements["weights"]!.level == "gddr6")
        let s = 1.31 / 3.7
        #expect(abs(p.compute["add"]!.baseValue - 0.9e-12 * s) < 0.005e-12, "add = 0.9 pJ × s, rounded to 0.32")
        #expect(p.compute["ac"]!.baseValue == p.compute["add"]!.baseValue)
        #expect(isClose(p.compute["mac"]!.baseValue, 1.31e-12 + 0.32e-12))
        #expect(isClose(p.compute["neuron_update"]!.baseValue, 1.31e-12 + 4 * 0.32e-12))
        #expect(isClose(p.compute["nonlinear"]!.baseValue, 6 * 1.63e-12))
        #expect(isClose(p.compute["mac"]!.range!.low.baseValue, 1.31e-12 + 0.25e-12))
        #expect(isClose(p.compute["mac"]!.range!.high.baseValue, 1.31e-12 + 0.45e-12))
        for name in ["sram_8kb", "sram_32kb", "sram_1mb"] {
            let e = p.memory.levels[name]!.read, e45 = old.memory.levels[name]!.read.baseValue
            #expect(isClose(e.baseValue, e45 * 0.5), "\(name)")
            #expect(abs(e.range!.low.baseValue - e45 * s) < 0.01 * e45 && e.range!.high.baseValue == e45, "\(name)")
        }
        #expect(isClose(p.compute["spike_bit"]!.baseValue, (5e-12 + 5e-12) / 64))
        // Every value that is not published is marked, and only the published ones are not.
        for (key, entry) in p.entries where entry.range != nil && !entry.isAssumption {
            #expect(key == "memory.levels.gddr6.read", "\(key): a ranged value must be published or an assumption")
        }
    }

    @Test("the published figures are the ones in DESIGN.md §4")
    func publishedFigures() throws {
        let memory = try shippedProfile("horowitz-45nm-memory")
        #expect(memory.memory.levels["sram_8kb"]?.read.baseValue == 10e-12)
        #expect(memory.memory.levels["sram_32kb"]?.read.baseValue == 20e-12)
        #expect(memory.memory.levels["sram_1mb"]?.read.baseValue == 100e-12)
        #expect(memory.memory.levels["dram"]?.read.baseValue == 1.3e-9)
        #expect(memory.memory.placements["weights"]!.level == "dram")
        #expect(memory.compute["add"]!.baseValue == 0.9e-12 && memory.compute["mul"]!.baseValue == 3.7e-12)

        let int8 = try shippedProfile("horowitz-45nm-int8")
        #expect(int8.compute["mac"]!.baseValue == 0.23e-12 && int8.compute["ac"]!.baseValue == 0.03e-12)
        #expect(int8.precision["weight_bits"]!.baseValue == 8)
        let energies: (HardwareProfile) -> [String: [Double]] = {
            $0.memory.levels.mapValues { [$0.read.baseValue, $0.write.baseValue, $0.width.baseValue] }
        }
        #expect(energies(int8) == energies(memory), "int8 keeps the memory model of horowitz-45nm-memory")
        #expect(int8.memory.placements["weights"]!.level == memory.memory.placements["weights"]!.level)

        let loihi = try shippedProfile("loihi-like")
        #expect(loihi.kind == .neuromorphic)
        #expect(loihi.compute["ac"]!.baseValue == 27.1e-12)
        #expect(loihi.compute["neuron_update"]!.baseValue == 81e-12)
        #expect(loihi.compute["mac"]!.baseValue == 0.9e-9)
        #expect(loihi.staticPower.isAssumption && loihi.timing.tickPeriod.isAssumption)
        #expect(loihi.staticPower.baseValue > 0 && loihi.timing.tickPeriod.baseValue > 0)
    }
}
