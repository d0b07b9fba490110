import Foundation
import MarsimCore
import Testing
@testable import MarsimEnergy

/// Weight placement with capacities and spill, and weight reuse, on TinyRun under the memory-aware
/// test profile (fp32 weights; SRAM 10 pJ and DRAM 1.3 nJ per 64-bit access: 5 pJ and 650 pJ per
/// weight). TinyRun's weight reads: in_proj 60 and 12 per token (events × 12; dense 48), SSM none,
/// lm_head 48 per token (dense 48).
@Suite("Weight placement and reuse")
struct WeightPlacementTests {
    func profile(sramCapacity: String? = "256 byte", weights: String) throws -> HardwareProfile {
        var text = validProfileTOML.replacingOccurrences(of: "weights = { level = \"dram\", source = \"s\" }", with: weights)
        if let sramCapacity {
            text = text.replacingOccurrences(of: "[memory.levels.sram]\n", with: "[memory.levels.sram]\ncapacity = { value = \"\(sramCapacity)\", source = \"s\" }\n")
        }
        return try HardwareProfile.parse(toml: text, file: "w.toml")
    }

    /// SRAM holds 256 B = 64 fp32 weights. In unit order: in_proj's 48 weights (192 B) fit, 64 B left;
    /// the SSM has none (0 B, fits); lm_head's 192 B do not: DRAM. Per token:
    ///   weights = (72 in_proj reads × 5 pJ + 96 lm_head reads × 650 pJ) ÷ 2 = (360 + 62,400) ÷ 2 = 31,380 pJ
    ///   (all in DRAM: 168 × 650 ÷ 2 = 54,600 pJ; the difference 72 × 645 ÷ 2 = 23,220 pJ);
    ///   dense weights = 48 × 5 + 48 × 650 = 31,440 pJ.
    @Test("weights that do not fit spill to the next level, and the report says what fits where")
    func spillByHand() throws {
        let spilled = try profile(weights: "weights = { level = \"sram\", spill = [\"dram\"], source = \"s\" }")
        let r = try EnergyModel.report(profile: spilled, inputs: TinyRun.inputs)
        let allDRAM = try EnergyModel.report(profile: try profile(sramCapacity: nil, weights: "weights = { level = \"dram\", source = \"s\" }"),
                                             inputs: TinyRun.inputs)
        #expect(isClose(r.joulesPerToken(of: .weights), 31_380e-12))
        #expect(isClose(allDRAM.joulesPerToken(of: .weights), 54_600e-12))
        #expect(isClose(allDRAM.joulesPerToken - r.joulesPerToken, 23_220e-12, relative: 1e-9))
        #expect(isClose(r.byCostKind.first { $0.costKind == .weights }!.denseBaselineJoulesPerToken, 31_440e-12))
        #expect(r.byCostKind.first { $0.costKind == .weights }!.memoryLevel == "sram+dram")
        let level = { (unit: String) in r.breakdown.first { $0.unit == unit && $0.costKind == .weights }!.memoryLevel }
        #expect(level("layer00.mixer.in_proj") == "sram" && level("lm_head") == "dram")
        let fills = try #require(r.weightPlacement?.levels)
        #expect(fills.map(\.level) == ["sram", "dram"])
        #expect(fills[0].capacityBytes == 256 && fills[0].bytes == 192 && fills[0].units == ["layer00.mixer.in_proj", "layer00.mixer.ssm"])
        #expect(fills[1].capacityBytes == nil && fills[1].bytes == 192 && fills[1].units == ["lm_head"])
        #expect(r.weightPlacement?.reuse == .event)
        #expect(isClose(r.breakdown.reduce(0) { $0 + $1.joulesPerToken }, r.joulesPerToken))
        let json = try JSONSerialization.jsonObject(with: r.jsonData()) as! [String: Any]
        let block = json["weight_placement"] as! [String: Any]
        #expect((block["levels"] as! [[String: Any]]).map { $0["bytes"] as! Double } == [192, 192])
        #expect(try JSONDecoder().decode(EnergyReport.self, from: r.jsonData()) == r)
        // The totals path prices the same placement.
        let totals = TinyRun.units.indices.map { u in TinyRun.counts.reduce(ActivityCounts()) { $0 + $1[u] } }
        let aggregate = try EnergyModel.aggregate(profile: spilled, unitTotals: totals, tokens: 2, units: TinyRun.units,
                                                  denseBaseline: TinyRun.denseBaseline, schedule: TinyRun.schedule)
        #expect(isClose(aggregate.joulesPerToken, r.joulesPerToken))
    }

    @Test("weights that fit nowhere are one clear error")
    func noRoom() throws {
        let tight = try profile(sramCapacity: "64 byte", weights: "weights = { level = \"sram\", source = \"s\" }")
        #expect(throws: EnergyError.weightsDoNotFit(unit: "layer00.mixer.in_proj", bits: 1536, profile: "test", levels: ["sram"])) {
            try EnergyModel.report(profile: tight, inputs: TinyRun.inputs)
        }
        #expect("\(EnergyError.weightsDoNotFit(unit: "lm_head", bits: 1536, profile: "test", levels: ["sram"]))"
                == "energy: the weights of lm_head (192 bytes) fit in none of profile test's weight levels (sram); "
                + "add a level without capacity to memory.placement.weights.spill")
    }

    /// reuse = "token": in_proj's reads per token capped at its dense 48: token 0 60 → 48, token 1 12.
    /// weights = (48 + 12 + 96) × 650 ÷ 2 = 50,700 pJ (event: 54,600 pJ; saved 12 × 650 ÷ 2 = 3,900 pJ).
    @Test("reuse per token caps a site's weight reads at its dense reads")
    func reusePerToken() throws {
        let p = try profile(sramCapacity: nil, weights: "weights = { level = \"dram\", reuse = \"token\", source = \"s\" }")
        let r = try EnergyModel.report(profile: p, inputs: TinyRun.inputs)
        #expect(isClose(r.joulesPerToken(of: .weights), 50_700e-12))
        #expect(r.weightPlacement == WeightPlacementReport(reuse: .token, levels: nil))
        #expect(isClose(r.denseBaselineJoulesPerToken, try EnergyModel.report(profile: try profile(sramCapacity: nil,
            weights: "weights = { level = \"dram\", source = \"s\" }"), inputs: TinyRun.inputs).denseBaselineJoulesPerToken))
    }

    /// reuse = "chunk", both tokens in one chunk of 2 with shared reads in_proj 36, lm_head 24 each:
    /// weights = (72 + 48) × 650 ÷ 2 = 39,000 pJ; dense in_proj and lm_head 48 ÷ 2 = 24 reads each:
    /// 48 × 650 = 31,200 pJ. Decode (every token alone) keeps the counted reads: 54,600 pJ.
    @Test("reuse per chunk uses the trace's shared reads; decode stays per token")
    func reusePerChunk() throws {
        let p = try profile(sramCapacity: nil, weights: "weights = { level = \"dram\", reuse = \"chunk\", source = \"s\" }")
        var inputs = TinyRun.inputs
        inputs.chunkLengths = [2, 2]
        inputs.sharedWeightReads = [[36, 0, 24], [36, 0, 24]]
        let r = try EnergyModel.report(profile: p, inputs: inputs)
        #expect(isClose(r.joulesPerToken(of: .weights), 39_000e-12))
        #expect(isClose(r.byCostKind.first { $0.costKind == .weights }!.denseBaselineJoulesPerToken, 31_200e-12))
        #expect(r.weightPlacement?.reuse == .chunk)
        let phases = try EnergyModel.phases(profile: p, inputs: inputs)
        #expect(isClose(phases.decode.weightMemoryJoulesPerToken, 54_600e-12))
        // Without recorded chunks: costed per event, and the report says so.
        let plain = try EnergyModel.report(profile: p, inputs: TinyRun.inputs)
        #expect(isClose(plain.joulesPerToken(of: .weights), 54_600e-12) && plain.weightPlacement?.reuse == .event)
    }

    @Test("spill and reuse are checked: known levels, weights only, known reuse values")
    func validation() {
        func message(_ weights: String, placementLine: String? = nil) -> String {
            do { _ = try profile(weights: weights); return "loaded" } catch { return "\(error)" }
        }
        #expect(message("weights = { level = \"sram\", spill = [\"hbm\"], source = \"s\" }")
            .contains("memory.placement.weights.spill: unknown memory level 'hbm'; defined levels: dram, sram"))
        #expect(message("weights = { level = \"sram\", spill = [\"sram\"], source = \"s\" }")
            .contains("memory.placement.weights.spill: spill lists a level twice or repeats level 'sram'"))
        #expect(message("weights = { level = \"dram\", reuse = \"tick\", source = \"s\" }")
            .contains("memory.placement.weights.reuse: unknown reuse 'tick'; expected one of: event, token, chunk"))
        let stateSpill = validProfileTOML.replacingOccurrences(of: "neuron_state = { level = \"sram\", source = \"s\" }",
                                                               with: "neuron_state = { level = \"sram\", spill = [\"dram\"], source = \"s\" }")
        #expect(throws: ProfileError.self) { try HardwareProfile.parse(toml: stateSpill, file: "w.toml") }
    }
}
