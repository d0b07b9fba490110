import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// A small made-up chip, so every placement and hop below can be followed by hand: 6 neurons and
/// 32 bytes (256 bit: 32 weights of 8 bit) per core, 4 cores per chip on a 2 × 2 mesh (core i at
/// column i mod 2, row ⌊i ÷ 2⌋), 1 pJ per delivery, 10 pJ per E-W hop, 100 pJ per N-S hop,
/// 1000 pJ per inter-chip delivery, 1 mW per chip.
let toyChipTOML = """

[chip]
neurons_per_core = { value = "6 neurons", source = "toy" }
synaptic_memory_per_core = { value = "32 byte", source = "toy" }
cores_per_chip = { value = "4 cores", source = "toy" }
mesh_columns = { value = "2 cores", source = "toy" }
hop_within_tile = { value = "1 pJ", source = "toy" }
hop_east_west = { value = "10 pJ", source = "toy" }
hop_north_south = { value = "100 pJ", source = "toy" }
hop_inter_chip = { value = "1000 pJ", source = "toy" }
static_per_chip = { value = "1 mW", source = "toy" }
"""

/// The compute-only test profile (MAC 4.6 pJ, AC 0.9 pJ, nothing else) with 8-bit weights and the toy chip.
func toyChipProfile() throws -> HardwareProfile {
    let base = try computeOnlyProfile()
    var chipped = try HardwareProfile.parse(toml: validProfileTOML + toyChipTOML, file: "toy.toml")
    chipped.compute = base.compute
    chipped.memory = base.memory
    chipped.staticPower = base.staticPower
    chipped.precision.bits["weight_bits"] = ProfileEntry(quantity: try Quantity.parse("8 bit", as: .size), source: "toy")
    return chipped
}

@Suite("Chip mapping")
struct ChipMappingTests {
    /// Two sites on the toy chip, by hand.
    ///
    /// Site A (fan-in 4, fan-out 12; each output holds 4 × 8 = 32 bit, so 8 per core by memory):
    ///   sources: 4 on core 0 (0 bit);
    ///   outputs: core 0 has room for min(6 − 4, 256 ÷ 32) = 2 → 2; core 1: min(6, 8) = 6 → 6; core 2: 4.
    ///   one event from core 0 reaches cores 0, 1, 2: core 0 (0, 0) 1 pJ; core 1 (column 1) 1 + 10;
    ///   core 2 (row 1) 1 + 100; total 113 pJ: 3 deliveries, 1 E-W hop, 1 N-S hop.
    /// Site B (fan-in 10, fan-out 3; each output 10 × 8 = 80 bit, 3 per core):
    ///   sources: core 2 has 4 neurons → 2 more; core 3: 6; core 4: 2 (core 4 is core 0 of chip 1);
    ///   outputs: core 4 has 2 neurons and 0 bit → min(4, ⌊256 ÷ 80⌋ = 3) = 3.
    ///   events from cores 2 and 3 (8 of 10 neurons) cross to chip 1: 1000 pJ; from core 4: 1 pJ;
    ///   0.8 × 1000 + 0.2 × 1 = 800.2 pJ per event.
    /// Cores 5 → chips ⌈5 ÷ 4⌉ = 2.
    @Test("greedy placement, hop counts and routing energy by hand")
    func twoSitesByHand() throws {
        let chip = try toyChipProfile().chip!
        let shapes = [ChipMapping.SiteShape(unit: "a", unitIndex: 0, fanIn: 4, fanOut: 12),
                      ChipMapping.SiteShape(unit: "b", unitIndex: 1, fanIn: 10, fanOut: 3)]
        let m = try ChipMapping.map(shapes, chip: chip, weightBits: 8, profile: "toy")
        #expect(m.cores == 5 && m.chips == 2)
        let a = m.sites[0], b = m.sites[1]
        #expect(a.firstCore == 0 && a.lastCore == 2 && a.destinationCores == 3)
        #expect(a.onChipDeliveriesPerEvent == 3 && a.eastWestHopsPerEvent == 1 && a.northSouthHopsPerEvent == 1)
        #expect(a.interChipDeliveriesPerEvent == 0)
        #expect(isClose(a.routingJoulesPerEvent, 113e-12))
        #expect(b.firstCore == 2 && b.lastCore == 4 && b.destinationCores == 1)
        #expect(isClose(b.interChipDeliveriesPerEvent, 0.8) && isClose(b.onChipDeliveriesPerEvent, 0.2))
        #expect(isClose(b.routingJoulesPerEvent, 800.2e-12))
    }

    @Test("a core is full by neurons or by synaptic memory, whichever comes first")
    func capacityLimits() throws {
        let chip = try toyChipProfile().chip!
        // Fan-in 4 (32 bit per output): core 0 holds the 4 sources and min(6 − 4, 8) = 2 outputs, core 1 the other 4.
        let byNeurons = try ChipMapping.map([.init(unit: "n", unitIndex: 0, fanIn: 4, fanOut: 6)], chip: chip, weightBits: 8, profile: "toy")
        #expect(byNeurons.cores == 2 && byNeurons.chips == 1)
        // 128 bit per output (fan-in 1 × 128 bit): 2 per core by memory; core 0: 1 source + 2 outputs, core 1: 2, core 2: 1.
        let byMemory = try ChipMapping.map([.init(unit: "m", unitIndex: 0, fanIn: 1, fanOut: 5)], chip: chip, weightBits: 128, profile: "toy")
        #expect(byMemory.cores == 3 && byMemory.sites[0].destinationCores == 3)
        // 256 bit per output (fan-in 4 × 64 bit): one per core; core 0: 4 sources + 1 output, cores 1–8 one each:
        // 9 cores, ⌈9 ÷ 4⌉ = 3 chips.
        let many = try ChipMapping.map([.init(unit: "c", unitIndex: 0, fanIn: 4, fanOut: 9)], chip: chip, weightBits: 64, profile: "toy")
        #expect(many.cores == 9 && many.chips == 3)
    }

    @Test("an output whose weights exceed a core is one clear error")
    func unmappable() throws {
        let chip = try toyChipProfile().chip!
        #expect(throws: EnergyError.self) {
            try ChipMapping.map([.init(unit: "layer00.mixer.in_proj", unitIndex: 0, fanIn: 40, fanOut: 1)], chip: chip, weightBits: 8, profile: "toy")
        }
        do {
            _ = try ChipMapping.map([.init(unit: "layer00.mixer.in_proj", unitIndex: 0, fanIn: 40, fanOut: 1)], chip: chip, weightBits: 8, profile: "toy")
        } catch {
            #expect("\(error)" == "energy: spiking site layer00.mixer.in_proj cannot be mapped onto profile toy's chips: one output "
                    + "neuron's 40 weights × 8 bit = 320 bit exceed chip.synaptic_memory_per_core (32 byte)")
        }
    }

    /// TinyRun (one site, fan-in 8 updates ÷ T 2 = 4, fan-out 48 dense MACs ÷ 4 = 12: site A above)
    /// under the compute-only profile with the toy chip. Per token, by hand:
    ///   routing: (5 + 1) events over 2 tokens × 113 pJ = 339 pJ;
    ///   static: 1 chip × 1 mW × (2 ticks × 1 µs + 148 MACs × 1 ns = 2.148 µs) = 2.148 nJ;
    ///   run = 713.2 pJ (FairBaselineTests.computeOnlyByHand) + 339 + 2148 = 3200.2 pJ; dense 901.6 pJ.
    ///   site break-even: one event = 12 × 0.9 + 113 = 123.8 pJ, slope 123.8 × 8 = 990.4 pJ,
    ///   intercept (32.4 + 339) − 990.4 × 0.375 = 0, so r* = 220.8 ÷ 990.4 (was 2.56 without routing);
    ///   whole model: intercept 3200.2 − 371.4 = 2828.8 pJ > 901.6 pJ: the chip's static power alone
    ///   exceeds the dense baseline, spiking never pays (nil).
    @Test("the report charges routing to spike, chip static to static, and says cores and chips")
    func reportByHand() throws {
        let r = try EnergyModel.report(profile: try toyChipProfile(), inputs: TinyRun.inputs)
        let mapping = try #require(r.mapping)
        #expect(mapping.cores == 3 && mapping.chips == 1)
        #expect(isClose(mapping.routingJoulesPerToken, 339e-12))
        #expect(isClose(mapping.staticJoulesPerToken, 2.148e-9))
        #expect(isClose(r.joulesPerToken, 3200.2e-12))
        #expect(isClose(r.joulesPerToken(of: .spike), 339e-12))
        #expect(isClose(r.joulesPerToken(of: .staticPower), 2.148e-9))
        #expect(isClose(r.denseBaselineJoulesPerToken, 901.6e-12))
        let siteSpike = r.breakdown.first { $0.unit == "layer00.mixer.in_proj" && $0.costKind == .spike }!
        #expect(isClose(siteSpike.joulesPerToken, 339e-12))
        #expect(isClose(r.breakdown.reduce(0) { $0 + $1.joulesPerToken }, r.joulesPerToken))
        #expect(isClose(r.siteBreakEvens[0].breakEven.dense!, 220.8 / 990.4, relative: 1e-12))
        #expect(r.breakEvenFiringRate == nil)
        // The contract's JSON block.
        let json = try JSONSerialization.jsonObject(with: r.jsonData()) as! [String: Any]
        let block = json["mapping"] as! [String: Any]
        #expect(block["cores"] as? Int == 3 && block["chips"] as? Int == 1)
        #expect(block["routing_joules_per_token"] as? Double == mapping.routingJoulesPerToken)
        #expect(block["static_joules_per_token"] as? Double == mapping.staticJoulesPerToken)
        #expect(try JSONDecoder().decode(EnergyReport.self, from: r.jsonData()) == r)
        // The totals path agrees (AggregateEnergy adds the same charges from the totals).
        let aggregate = try EnergyModel.aggregate(profile: try toyChipProfile(), unitTotals: TinyRun.units.indices.map { u in
            TinyRun.counts.reduce(ActivityCounts()) { $0 + $1[u] } }, tokens: 2, units: TinyRun.units,
            denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        #expect(isClose(aggregate.joulesPerToken, 3200.2e-12))
    }

    @Test("profiles without [chip] have no mapping key and unchanged joules")
    func noChipNoMapping() throws {
        let r = try EnergyModel.report(profile: try computeOnlyProfile(), inputs: TinyRun.inputs)
        #expect(r.mapping == nil)
        let json = try JSONSerialization.jsonObject(with: r.jsonData()) as! [String: Any]
        #expect(json["mapping"] == nil)
        #expect(r.joulesPerToken == 713.2e-12 || isClose(r.joulesPerToken, 713.2e-12))
    }

    /// loihi-davies2018's figures as published, and its [chip] read with units.
    @Test("loihi-davies2018 carries Davies et al.'s figures")
    func loihiFigures() throws {
        let p = try shippedProfile("loihi-davies2018")
        let chip = try #require(p.chip)
        #expect(chip.neuronsPerCore.baseValue == 1024 && chip.coresPerChip.baseValue == 128)
        #expect(chip.synapticMemoryPerCore.baseValue == 128 * 1024 * 8)
        #expect(chip.hopWithinTile.baseValue == 1.7e-12 && chip.hopEastWest.baseValue == 3.0e-12
                && chip.hopNorthSouth.baseValue == 4.0e-12)
        #expect(chip.hopInterChip.isAssumption && chip.staticPerChip.isAssumption && chip.meshColumns.isAssumption)
        #expect(p.compute["ac"]!.baseValue == 23.6e-12 && p.compute["neuron_update"]!.baseValue == 81e-12)
        #expect(p.compute["neuron_update"]!.range!.low.baseValue == 52e-12)
        #expect(try shippedProfile("spinnaker2-hoppner2019").chip == nil)
    }

    /// Model shapes under loihi-davies2018 (8-bit weights: an output of fan-in F holds F bytes, so
    /// ⌊131,072 ÷ F⌋ outputs per core by memory; 1,024 neurons per core), placement `all`
    /// (in_proj, out_proj, gate_up, down per layer). Both figures agree with an independent Python
    /// re-implementation of the rule.
    ///
    /// Tiny checkpoint (D 128, I 256, in_proj 128 → 584, out_proj 256 → 128, gate_up 128 → 768,
    /// down 384 → 128, 4 layers): 2,504 neurons per layer, 10,016 in all → at least ⌈10,016 ÷ 1,024⌉
    /// = 10 cores, and memory (≤ 384 B per output) forces no extra core: 10 cores, 1 chip.
    ///
    /// Llamba-1B (D 2048, I 2048, in_proj → 4256, MLP 8192, 16 layers), layer 0 core by core:
    ///   in_proj: 2,048 sources on cores 0–1 (full by neurons); 4,256 outputs of 2 KB, 64 per core:
    ///     cores 2–68 (core 68: 32 outputs, 64 KB);
    ///   out_proj: sources 992 on core 68, 1,024 on 69, 32 on 70; 2,048 outputs: cores 70–101 (64 each);
    ///   gate_up: sources 960 on core 101 (full by memory, not by neurons), 1,024 on 102, 64 on 103;
    ///     16,384 outputs: cores 103–358;
    ///   down: sources 960 on 358, 1,024 on each of 359–365, 64 on 366; 2,048 outputs of 8 KB, 16 per
    ///     core: cores 366–493 (core 493: 16 outputs, 1,008 free neuron slots).
    /// Layer 0 spans cores 0–493 (494); each later layer starts on the previous one's last core with
    /// 1,008 free slots and adds 493 (e.g. layer 1: in_proj sources 1,008 on 493, 1,024 on 494, 16
    /// on 495, …, down outputs 859–986). Total 494 + 15 × 493 = 7,889 cores, ⌈7,889 ÷ 128⌉ = 62 chips.
    /// (With a spiking lm_head, 2,048 → 128,256, 2,005 more cores: 9,894, 78 chips.)
    @Test("how many Loihi chips: the tiny checkpoint and Llamba-1B's shape")
    func modelShapes() throws {
        let p = try shippedProfile("loihi-davies2018")
        func shapes(d: Int, inner: Int, inProj: Int, mlp: Int, layers: Int) -> [ChipMapping.SiteShape] {
            (0..<layers).flatMap { l in
                [(d, inProj), (inner, d), (d, 2 * mlp), (mlp, d)].enumerated().map { k, s in
                    ChipMapping.SiteShape(unit: "l\(l).\(k)", unitIndex: 4 * l + k, fanIn: s.0, fanOut: s.1)
                }
            }
        }
        let tiny = try ChipMapping.map(shapes(d: 128, inner: 256, inProj: 584, mlp: 384, layers: 4), chip: p.chip!,
                                       weightBits: 8, profile: p.name)
        #expect(tiny.cores == 10 && tiny.chips == 1)
        let llamba = try ChipMapping.map(shapes(d: 2048, inner: 2048, inProj: 4256, mlp: 8192, layers: 16), chip: p.chip!,
                                         weightBits: 8, profile: p.name)
        #expect(llamba.cores == 7_889 && llamba.chips == 62)
    }
}

@Suite("Chip section of a profile")
struct ChipProfileTests {
    func parse(_ edit: (String, String)) -> String {
        do {
            _ = try HardwareProfile.parse(toml: (validProfileTOML + toyChipTOML).replacingOccurrences(of: edit.0, with: edit.1), file: "c.toml")
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test("[chip] keys are checked like every other entry: units, whole counts, unknown keys, missing keys")
    func validation() throws {
        let chipLine = line(of: "[chip]", in: validProfileTOML + toyChipTOML)
        #expect(parse(("x", "x")) == "loaded")
        #expect(parse(("\"6 neurons\"", "\"6.5 neurons\"")) == "c.toml:\(chipLine + 1): chip.neurons_per_core.value: '6.5 neurons' must be a whole number of at most 1e15 neurons, cores")
        #expect(parse(("\"4 cores\"", "\"4 pJ\"")).hasSuffix("chip.cores_per_chip.value: '4 pJ' is an energy (pJ) but this entry is a count (neurons, cores)"))
        #expect(parse(("hop_east_west", "hop_east_wets")).contains("chip.hop_east_wets: unknown key 'hop_east_wets' (did you mean 'hop_east_west'?)"))
        #expect(parse(("static_per_chip = { value = \"1 mW\", source = \"toy\" }", "")).hasSuffix("chip.static_per_chip: missing required entry; write static_per_chip = { value = \"<number> <unit>\", source = \"…\" }"))
        #expect(parse(("\"32 byte\"", "\"0 byte\"")).hasSuffix("chip.synaptic_memory_per_core.value: '0 byte' must be greater than zero"))
        let kb = try Quantity.parse("128 KB", as: .size)
        #expect(kb.baseValue == 1_048_576)
    }
}
