import Testing
@testable import MarsimEnergy

/// A small valid profile; each case below breaks one thing in it.
let validProfileTOML = """
# test profile
schema_version = 1
name = "test"
kind = "memory-aware"
process = "45 nm"
notes = \"\"\"
multi-line notes
with a fake key = { value = "1 pJ" } inside
\"\"\"

[precision]
weight_bits = { value = "32 bit", source = "s" }
state_bits = { value = "4 byte", source = "s" }
recurrent_state_bits = { value = "32 bit", source = "s" }

[compute]
mac = { value = "4.6 pJ", source = "Horowitz" }
ac = { value = "0.9 pJ", source = "Horowitz" }
neuron_update = { value = "0 pJ", source = "s", assumption = true }
spike = { value = "0 fJ", source = "s" }
add = { value = "0.9 pJ", source = "s" }
mul = { value = "3.7 pJ", source = "s" }
nonlinear = { value = "27.6 pJ", source = "s" }

[memory.levels.sram]
read = { value = "10 pJ", source = "s" }
write = { value = "10 pJ", source = "s" }
width = { value = "64 bit", source = "s" }

[memory.levels.dram]
read = { value = "1.3 nJ", source = "s" }
write = { value = "1.3 nJ", source = "s" }
width = { value = "8 byte", source = "s" }

[memory.placement]
weights = { level = "dram", source = "s" }
neuron_state = { level = "sram", source = "s" }
recurrent_state = { level = "sram", source = "s" }

[timing]
tick_period = { value = "1 us", source = "s" }
dense_mac_time = { value = "1 ns", source = "s" }

[power]
static = { value = "15 mW", source = "s" }
"""

/// The 1-based line of the first line of `text` containing `marker`.
func line(of marker: String, in text: String) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return (lines.firstIndex { $0.contains(marker) } ?? -1) + 1
}

/// One way to break the valid profile, and the error it must give.
struct ValidationCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// (original text, replacement) applied to `validProfileTOML`.
    var edit: (String, String)
    var reason: ProfileError.Reason
    var key: String
    /// A substring of the edited text whose line the error must name.
    var lineMarker: String
    var testDescription: String { name }
}

@Suite("Profile validation")
struct ProfileValidationTests {
    @Test("the valid test profile loads")
    func validLoads() throws {
        let p = try HardwareProfile.parse(toml: validProfileTOML, file: "test.toml")
        #expect(p.precision["state_bits"]!.baseValue == 32)
        #expect(p.memory.levels["dram"]?.width.baseValue == 64)
        #expect(p.compute["neuron_update"]!.isAssumption)
        #expect(p.assumptions == ["compute.neuron_update"])
        #expect(p.staticPower.baseValue == 15e-3)
        #expect(p.file == "test.toml")
    }

    static let cases: [ValidationCase] = [
        ValidationCase(name: "unknown key", edit: ("[compute]\n", "[compute]\nmacs = { value = \"1 pJ\", source = \"s\" }\n"),
                       reason: .unknownKey, key: "compute.macs", lineMarker: "macs ="),
        ValidationCase(name: "unknown key inside an entry",
                       edit: ("ac = { value = \"0.9 pJ\", source = \"Horowitz\" }", "ac = { value = \"0.9 pJ\", sorce = \"Horowitz\" }"),
                       reason: .unknownKey, key: "compute.ac.sorce", lineMarker: "sorce"),
        ValidationCase(name: "unknown top-level key", edit: ("process = ", "proccess = \"x\"\nprocess = "),
                       reason: .unknownKey, key: "proccess", lineMarker: "proccess"),
        ValidationCase(name: "missing required entry", edit: ("nonlinear = { value = \"27.6 pJ\", source = \"s\" }\n", ""),
                       reason: .missingEntry, key: "compute.nonlinear", lineMarker: "[compute]"),
        ValidationCase(name: "missing required table", edit: ("[timing]\ntick_period = { value = \"1 us\", source = \"s\" }\ndense_mac_time = { value = \"1 ns\", source = \"s\" }\n", ""),
                       reason: .missingEntry, key: "timing", lineMarker: "# test profile"),
        ValidationCase(name: "missing source", edit: ("ac = { value = \"0.9 pJ\", source = \"Horowitz\" }", "ac = { value = \"0.9 pJ\" }"),
                       reason: .missingEntry, key: "compute.ac.source", lineMarker: "ac = { value = \"0.9 pJ\" }"),
        ValidationCase(name: "negative value", edit: ("\"0.9 pJ\", source = \"Horowitz\"", "\"-0.9 pJ\", source = \"Horowitz\""),
                       reason: .negativeValue, key: "compute.ac.value", lineMarker: "-0.9 pJ"),
        ValidationCase(name: "missing unit", edit: ("\"4.6 pJ\"", "\"4.6\""),
                       reason: .missingUnit, key: "compute.mac.value", lineMarker: "mac = {"),
        ValidationCase(name: "bare number without unit", edit: ("\"4.6 pJ\"", "4.6"),
                       reason: .missingUnit, key: "compute.mac.value", lineMarker: "mac = {"),
        ValidationCase(name: "unknown unit", edit: ("\"10 pJ\", source = \"s\" }\nwrite", "\"10 pj\", source = \"s\" }\nwrite"),
                       reason: .unknownUnit, key: "memory.levels.sram.read.value", lineMarker: "10 pj"),
        ValidationCase(name: "unit of the wrong kind", edit: ("\"1 us\"", "\"1 uW\""),
                       reason: .wrongUnit, key: "timing.tick_period.value", lineMarker: "1 uW"),
        ValidationCase(name: "malformed TOML", edit: ("mul = { value = \"3.7 pJ\", source", "mul = { value = \"3.7 pJ\" source"),
                       reason: .malformedTOML, key: "compute.mul.value", lineMarker: "mul = {"),
        ValidationCase(name: "malformed TOML: unterminated string", edit: ("name = \"test\"", "name = \"test"),
                       reason: .malformedTOML, key: "name", lineMarker: "name = "),
        ValidationCase(name: "zero access width", edit: ("\"8 byte\"", "\"0 byte\""),
                       reason: .invalidValue, key: "memory.levels.dram.width.value", lineMarker: "0 byte"),
        ValidationCase(name: "unknown memory level", edit: ("level = \"dram\"", "level = \"hbm\""),
                       reason: .unknownLevel, key: "memory.placement.weights.level", lineMarker: "hbm"),
        ValidationCase(name: "unsupported schema", edit: ("schema_version = 1", "schema_version = 2"),
                       reason: .unsupportedSchema, key: "schema_version", lineMarker: "schema_version"),
        ValidationCase(name: "unknown kind", edit: ("kind = \"memory-aware\"", "kind = \"memory aware\""),
                       reason: .invalidValue, key: "kind", lineMarker: "kind ="),
        ValidationCase(name: "entry written as a plain string", edit: ("static = { value = \"15 mW\", source = \"s\" }", "static = \"15 mW\""),
                       reason: .wrongType, key: "power.static", lineMarker: "static ="),
        rangeCase("range with one bound", "[\"0.6 pJ\"]"),
        rangeCase("range of numbers", "[0.6, 1.2]"),
        rangeCase("range bound of the wrong unit", "[\"0.6 us\", \"1.2 pJ\"]"),
        rangeCase("range low above high", "[\"1.2 pJ\", \"0.6 pJ\"]"),
        rangeCase("value outside its range", "[\"1 pJ\", \"1.2 pJ\"]"),
        ValidationCase(name: "assumption not a boolean", edit: ("assumption = true", "assumption = \"yes\""),
                       reason: .wrongType, key: "compute.neuron_update.assumption", lineMarker: "assumption ="),
    ]

    /// The AC entry given `range = <range>`, which the loader must refuse.
    static func rangeCase(_ name: String, _ range: String) -> ValidationCase {
        let entry = "ac = { value = \"0.9 pJ\", source = \"Horowitz\" }"
        return ValidationCase(name: name, edit: (entry, String(entry.dropLast(2)) + ", range = \(range) }"),
                              reason: .invalidRange, key: "compute.ac.range", lineMarker: "range =")
    }

    @Test("each broken profile gives one line naming file, key and line", arguments: cases)
    func rejects(_ c: ValidationCase) throws {
        #expect(validProfileTOML.contains(c.edit.0), "the edit must apply")
        let text = validProfileTOML.replacingOccurrences(of: c.edit.0, with: c.edit.1)
        let expectedLine = line(of: c.lineMarker, in: text)
        let error = #expect(throws: ProfileError.self) {
            try HardwareProfile.parse(toml: text, file: "profiles/broken.toml")
        }
        guard let error else { return }
        #expect(error.reason == c.reason, "\(error)")
        #expect(error.key == c.key, "\(error)")
        #expect(error.line == expectedLine, "\(error)")
        #expect(error.file == "profiles/broken.toml")
        let message = error.description
        #expect(message.hasPrefix("profiles/broken.toml:\(expectedLine): \(c.key): "), "\(message)")
        #expect(!message.contains("\n"), "one line")
    }

    @Test("the table form of an entry is accepted and located")
    func tableForm() throws {
        let text = validProfileTOML.replacingOccurrences(
            of: "mac = { value = \"4.6 pJ\", source = \"Horowitz\" }\n", with: "")
            + "\n[compute.mac]\nsource = \"Horowitz\"\nvalue = \"4.6 pJ\"\n"
        let p = try HardwareProfile.parse(toml: text, file: "t.toml")
        #expect(p.compute["mac"]!.baseValue == 4.6e-12)

        let broken = text.replacingOccurrences(of: "value = \"4.6 pJ\"", with: "value = \"4.6 parsecs\"")
        let error = #expect(throws: ProfileError.self) { try HardwareProfile.parse(toml: broken, file: "t.toml") }
        #expect(error?.key == "compute.mac.value")
        #expect(error?.line == line(of: "4.6 parsecs", in: broken))
    }

    @Test("a missing file is one clear line")
    func missingFile() {
        let error = #expect(throws: ProfileError.self) {
            try HardwareProfile.load(path: "/nonexistent/profile.toml")
        }
        #expect(error?.reason == .unreadableFile)
        #expect(error?.description.hasPrefix("/nonexistent/profile.toml:1: ") == true)
    }

    @Test("an unknown key suggests the close spelling")
    func suggestion() {
        let text = validProfileTOML.replacingOccurrences(of: "nonlinear =", with: "nonlinaer =")
        let error = #expect(throws: ProfileError.self) { try HardwareProfile.parse(toml: text, file: "t.toml") }
        #expect(error?.message.contains("did you mean 'nonlinear'?") == true, "\(String(describing: error))")
    }
}
