import Foundation
import MarsimCore
import TOMLKit

extension HardwareProfile {
    /// Reads and validates a profile TOML file.
    ///
    /// - Parameter path: the file, as the user gave it (it is named as given in errors).
    /// - Throws: `ProfileError` (one line: `file:line: key: message`) when the file cannot be read, is
    ///   not valid TOML, or breaks the schema: an unknown key, a missing required entry, a value without
    ///   a unit, with an unknown unit or a unit of the wrong kind, a negative value, a missing source.
    public static func load(path: String) throws -> HardwareProfile {
        let text: String
        do {
            let data = try InputFile.read(path, label: "profile file", maxBytes: TOMLLimits.maxBytes)
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ProfileError(reason: .unreadableFile, file: path, line: 1, key: "(document)", message: "the profile is not UTF-8 text")
            }
            text = decoded
        } catch let error as InputFileError {
            throw ProfileError(reason: .unreadableFile, file: path, line: 1, key: "(document)", message: error.reason)
        }
        var profile = try parse(toml: text, file: path)
        profile.file = path
        return profile
    }

    /// Parses and validates profile TOML held in memory.
    ///
    /// - Parameters:
    ///   - toml: the document.
    ///   - file: the name used in error messages (and stored in `file`), e.g. the path it came from.
    /// - Throws: `ProfileError`, as `load(path:)`.
    public static func parse(toml: String, file: String) throws -> HardwareProfile {
        try TOMLLimits.check(toml, file: file)
        let locator = TOMLKeyLocator(source: toml)
        let root: TOMLTable
        do {
            root = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            let line = max(1, error.source.begin.line)
            let key = locator.keyPath(atLine: line)?.joined(separator: ".") ?? "(document)"
            throw ProfileError(reason: .malformedTOML, file: file, line: line, key: key,
                               message: "malformed TOML: \(error.description)")
        }
        var profile = try ProfileReader(file: file, locator: locator).read(root)
        profile.file = file
        return profile
    }
}

/// Walks a parsed TOML table against the profile schema, turning each violation into a `ProfileError`.
///
/// Checks run in schema order (header, precision, compute, memory, timing, power), and within a table
/// unknown keys are reported first, in source order, so the first error in the file is the one shown.
private struct ProfileReader {
    let file: String
    let locator: TOMLKeyLocator

    static let rootKeys = ["schema_version", "name", "kind", "process", "notes", "precision", "compute", "memory",
                           "timing", "power", "chip"]
    // The [precision], [compute] and [memory.placement] keys come from the cost kinds' declarations.
    static let precisionKeys = CostKind.precisionKeys
    static let computeKeys = CostKind.computeKeys.map(\.key)
    static let memoryKeys = ["levels", "placement"]
    static let levelKeys = ["read", "write", "width", "capacity"]
    static let placementKeys = CostKind.memoryPlacementKeys
    static let timingKeys = ["tick_period", "dense_mac_time"]
    static let powerKeys = ["static"]
    static let entryKeys = ["value", "source", "assumption", "range"]
    static let placementEntryKeys = ["level", "source", "assumption"]
    /// Only weights may spill to further levels and state how they are reused (`WeightPlacement`).
    static let weightPlacementEntryKeys = ["level", "spill", "reuse", "source", "assumption"]

    func read(_ root: TOMLTable) throws -> HardwareProfile {
        try checkKeys(root, at: [], allowed: Self.rootKeys)

        let version = try integer(root, "schema_version", at: [])
        guard version == HardwareProfile.supportedSchemaVersion else {
            throw error(.unsupportedSchema, ["schema_version"],
                        "schema_version \(version) is not supported; this build reads \(HardwareProfile.supportedSchemaVersion)")
        }
        let name = try string(root, "name", at: [], nonEmpty: true)
        let kindText = try string(root, "kind", at: [], nonEmpty: true)
        guard let kind = ProfileKind(rawValue: kindText) else {
            throw error(.invalidValue, ["kind"], "unknown kind '\(kindText)'; expected one of: "
                        + ProfileKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let process = try string(root, "process", at: [], nonEmpty: true)
        let notes = try string(root, "notes", at: [], nonEmpty: false)

        let precisionTable = try table(root, "precision", at: [])
        try checkKeys(precisionTable, at: ["precision"], allowed: Self.precisionKeys)
        var bits: [String: ProfileEntry] = [:]
        for key in Self.precisionKeys { bits[key] = try entry(precisionTable, key, at: ["precision"], .size, positive: true) }
        let precision = Precision(bits: bits)

        let computeTable = try table(root, "compute", at: [])
        let c = ["compute"]
        try checkKeys(computeTable, at: c, allowed: Self.computeKeys)
        var energies: [String: ProfileEntry] = [:]
        for (key, optional) in CostKind.computeKeys where !(optional && computeTable[key] == nil) {
            energies[key] = try entry(computeTable, key, at: c, .energy)
        }
        let compute = OperationEnergies(entries: energies)

        let memory = try readMemory(try table(root, "memory", at: []))

        let timingTable = try table(root, "timing", at: [])
        try checkKeys(timingTable, at: ["timing"], allowed: Self.timingKeys)
        let timing = Timing(tickPeriod: try entry(timingTable, "tick_period", at: ["timing"], .time),
                            denseMACTime: try entry(timingTable, "dense_mac_time", at: ["timing"], .time))

        let powerTable = try table(root, "power", at: [])
        try checkKeys(powerTable, at: ["power"], allowed: Self.powerKeys)
        let staticPower = try entry(powerTable, "static", at: ["power"], .power)

        return HardwareProfile(schemaVersion: version, name: name, kind: kind, process: process, notes: notes,
                               precision: precision, compute: compute, memory: memory, timing: timing,
                               staticPower: staticPower, chip: try readChip(root))
    }

    /// The optional `[chip]` section: every key of `ChipSpec.schema` required once the section exists;
    /// counts and sizes must be whole numbers greater than zero.
    private func readChip(_ root: TOMLTable) throws -> ChipSpec? {
        guard root["chip"] != nil else { return nil }
        let chipTable = try table(root, "chip", at: [])
        let c = ["chip"]
        try checkKeys(chipTable, at: c, allowed: ChipSpec.schema.map(\.key))
        var entries: [String: ProfileEntry] = [:]
        for (key, dimension, wholePositive) in ChipSpec.schema {
            let e = try entry(chipTable, key, at: c, dimension, positive: wholePositive)
            if wholePositive && (e.baseValue.rounded() != e.baseValue || e.baseValue > 1e15) {
                throw error(.invalidValue, c + [key, "value"], "'\(e.quantity.text)' must be a whole number of at most 1e15 "
                            + "\(dimension == .size ? "bit" : dimension.unitList)")
            }
            entries[key] = e
        }
        return ChipSpec(entries: entries)
    }

    private func readMemory(_ memoryTable: TOMLTable) throws -> MemoryModel {
        let m = ["memory"]
        try checkKeys(memoryTable, at: m, allowed: Self.memoryKeys)
        let levelsTable = try table(memoryTable, "levels", at: m)
        let levelNames = sortedByLine(levelsTable.keys, at: m + ["levels"])
        guard !levelNames.isEmpty else {
            throw error(.missingEntry, m + ["levels"], "at least one memory level is required, e.g. "
                        + "[memory.levels.dram] with read, write and width")
        }
        var levels: [String: MemoryLevel] = [:]
        for name in levelNames {
            let path = m + ["levels", name]
            let levelTable = try table(levelsTable, name, at: m + ["levels"])
            try checkKeys(levelTable, at: path, allowed: Self.levelKeys)
            levels[name] = MemoryLevel(read: try entry(levelTable, "read", at: path, .energy),
                                       write: try entry(levelTable, "write", at: path, .energy),
                                       width: try entry(levelTable, "width", at: path, .size, positive: true),
                                       capacity: levelTable["capacity"] == nil ? nil
                                           : try entry(levelTable, "capacity", at: path, .size, positive: true))
        }
        let placementTable = try table(memoryTable, "placement", at: m)
        let p = m + ["placement"]
        try checkKeys(placementTable, at: p, allowed: Self.placementKeys)
        var placements: [String: MemoryPlacement] = [:]
        for key in Self.placementKeys { placements[key] = try placement(placementTable, key, at: p, levels: levels) }
        return MemoryModel(levels: levels, placements: placements)
    }

    // MARK: - Entries

    /// Reads `{ value = "<number> <unit>", source = "…", assumption = true|false }`.
    private func entry(_ parent: TOMLTable, _ key: String, at path: [String], _ dimension: QuantityDimension,
                       positive: Bool = false) throws -> ProfileEntry {
        let here = path + [key]
        let t = try table(parent, key, at: path,
                          hint: "write \(key) = { value = \"<number> <unit>\", source = \"…\" }")
        try checkKeys(t, at: here, allowed: Self.entryKeys)
        guard let raw = t["value"] else {
            throw error(.missingEntry, here + ["value"], "missing value, e.g. value = \"\(example(dimension))\"",
                        missing: true)
        }
        guard let text = raw.string else {
            if raw.type == .int || raw.type == .double {
                throw error(.missingUnit, here + ["value"], "missing unit: write the value as a string with its unit, "
                            + "e.g. \"\(raw.debugDescription) \(example(dimension).split(separator: " ").last!)\" "
                            + "(units: \(dimension.unitList))")
            }
            throw error(.wrongType, here + ["value"], "value must be a string such as \"\(example(dimension))\", "
                        + "not a \(raw.type)")
        }
        let quantity: Quantity
        do {
            quantity = try Quantity.parse(text, as: dimension)
        } catch {
            throw self.error(for: error, text: text, dimension: dimension, at: here + ["value"])
        }
        if positive && quantity.baseValue <= 0 {
            throw error(.invalidValue, here + ["value"], "'\(text)' must be greater than zero")
        }
        let source = try string(t, "source", at: here, nonEmpty: true,
                                hint: "every value needs a source: a citation, or the reasoning behind an assumption")
        let assumption = try bool(t, "assumption", at: here) ?? false
        let range = try self.range(t, at: here, value: quantity, dimension)
        return ProfileEntry(quantity: quantity, source: source, isAssumption: assumption, range: range)
    }

    /// Reads an entry's optional `range = ["<low> <unit>", "<high> <unit>"]`: two quantities of the
    /// entry's dimension with low ≤ value ≤ high.
    private func range(_ t: TOMLTable, at path: [String], value: Quantity,
                       _ dimension: QuantityDimension) throws -> QuantityRange? {
        guard let raw = t["range"] else { return nil }
        let here = path + ["range"]
        let shape = "range must be two strings, low and high, e.g. range = [\"\(example(dimension))\", \"\(example(dimension))\"]"
        guard let array = raw.array, array.count == 2 else { throw error(.invalidRange, here, shape) }
        var bounds: [Quantity] = []
        for element in array {
            guard let text = element.string else { throw error(.invalidRange, here, shape) }
            do {
                bounds.append(try Quantity.parse(text, as: dimension))
            } catch {
                let inner = self.error(for: error, text: text, dimension: dimension, at: here)
                throw self.error(.invalidRange, here, "bound: " + inner.message)
            }
        }
        let (low, high) = (bounds[0], bounds[1])
        guard low.baseValue <= high.baseValue else {
            throw error(.invalidRange, here, "low '\(low.text)' is above high '\(high.text)'; write [low, high]")
        }
        guard low.baseValue <= value.baseValue, value.baseValue <= high.baseValue else {
            throw error(.invalidRange, here, "value '\(value.text)' lies outside [\(low.text), \(high.text)]")
        }
        return QuantityRange(low: low, high: high)
    }

    /// Reads `{ level = "<memory level>", source = "…", assumption = … }`.
    private func placement(_ parent: TOMLTable, _ key: String, at path: [String],
                           levels: [String: MemoryLevel]) throws -> MemoryPlacement {
        let here = path + [key]
        let t = try table(parent, key, at: path, hint: "write \(key) = { level = \"<level>\", source = \"…\" }")
        try checkKeys(t, at: here, allowed: key == "weights" ? Self.weightPlacementEntryKeys : Self.placementEntryKeys)
        let level = try string(t, "level", at: here, nonEmpty: true)
        func checkLevel(_ name: String, _ at: [String]) throws {
            guard levels[name] != nil else {
                throw error(.unknownLevel, at, "unknown memory level '\(name)'; defined levels: "
                            + levels.keys.sorted().joined(separator: ", "))
            }
        }
        try checkLevel(level, here + ["level"])
        var spill: [String]? = nil
        if let raw = t["spill"] {
            guard let array = raw.array, array.allSatisfy({ $0.string != nil }) else {
                throw error(.wrongType, here + ["spill"], "spill must be a list of memory levels, e.g. spill = [\"dram\"]")
            }
            let names = array.compactMap(\.string)
            for name in names { try checkLevel(name, here + ["spill"]) }
            guard Set(names + [level]).count == names.count + 1 else {
                throw error(.invalidValue, here + ["spill"], "spill lists a level twice or repeats level '\(level)'")
            }
            spill = names
        }
        var reuse: WeightReuse? = nil
        if t["reuse"] != nil {
            let text = try string(t, "reuse", at: here, nonEmpty: true)
            guard let parsed = WeightReuse(rawValue: text) else {
                throw error(.invalidValue, here + ["reuse"], "unknown reuse '\(text)'; expected one of: "
                            + WeightReuse.allCases.map(\.rawValue).joined(separator: ", "))
            }
            reuse = parsed
        }
        let source = try string(t, "source", at: here, nonEmpty: true,
                                hint: "every placement needs a source: why the data lives there")
        let assumption = try bool(t, "assumption", at: here) ?? false
        return MemoryPlacement(level: level, source: source, isAssumption: assumption, spill: spill, reuse: reuse)
    }

    private func example(_ dimension: QuantityDimension) -> String {
        switch dimension {
        case .energy: return "0.9 pJ"
        case .power: return "15 mW"
        case .time: return "1 us"
        case .size: return "8 bit"
        case .count: return "1024 neurons"
        }
    }

    private func error(for failure: QuantityParseFailure, text: String, dimension: QuantityDimension,
                       at path: [String]) -> ProfileError {
        switch failure {
        case .empty:
            return error(.invalidValue, path, "empty value; write e.g. \"\(example(dimension))\"")
        case .missingUnit(let number):
            return error(.missingUnit, path, "missing unit in '\(text)'; write e.g. \"\(number) "
                         + "\(example(dimension).split(separator: " ").last!)\" (units: \(dimension.unitList))")
        case .unknownUnit(let unit):
            return error(.unknownUnit, path, "unknown unit '\(unit)' in '\(text)'; expected \(dimension.rawValue) "
                         + "in \(dimension.unitList)")
        case .wrongDimension(let unit, let found):
            return error(.wrongUnit, path, "'\(text)' is \(found == .energy ? "an" : "a") \(found.rawValue) (\(unit)) but this entry is "
                         + "\(dimension == .energy ? "an" : "a") \(dimension.rawValue) (\(dimension.unitList))")
        case .notANumber:
            return error(.invalidValue, path, "'\(text)' is not a number followed by a unit, e.g. \"\(example(dimension))\"")
        case .negative:
            return error(.negativeValue, path, "negative value '\(text)'; costs, widths and times must be ≥ 0")
        }
    }

    // MARK: - Typed access

    private func table(_ parent: TOMLTable, _ key: String, at path: [String], hint: String? = nil) throws -> TOMLTable {
        guard let raw = parent[key] else {
            throw error(.missingEntry, path + [key], "missing required entry" + (hint.map { "; \($0)" } ?? ""),
                        missing: true)
        }
        guard let t = raw.table else {
            throw error(.wrongType, path + [key], "expected a table, found a \(raw.type)" + (hint.map { "; \($0)" } ?? ""))
        }
        return t
    }

    private func string(_ parent: TOMLTable, _ key: String, at path: [String], nonEmpty: Bool,
                        hint: String? = nil) throws -> String {
        guard let raw = parent[key] else {
            throw error(.missingEntry, path + [key], "missing required entry" + (hint.map { "; \($0)" } ?? ""),
                        missing: true)
        }
        guard let s = raw.string else {
            throw error(.wrongType, path + [key], "expected a string, found a \(raw.type)")
        }
        if nonEmpty && s.trimmingWhitespace().isEmpty {
            throw error(.invalidValue, path + [key], "must not be empty" + (hint.map { "; \($0)" } ?? ""))
        }
        return s
    }

    private func integer(_ parent: TOMLTable, _ key: String, at path: [String]) throws -> Int {
        guard let raw = parent[key] else {
            throw error(.missingEntry, path + [key], "missing required entry", missing: true)
        }
        guard let i = raw.int else {
            throw error(.wrongType, path + [key], "expected an integer, found a \(raw.type)")
        }
        return i
    }

    private func bool(_ parent: TOMLTable, _ key: String, at path: [String]) throws -> Bool? {
        guard let raw = parent[key] else { return nil }
        guard let b = raw.bool else {
            throw error(.wrongType, path + [key], "expected true or false, found a \(raw.type)")
        }
        return b
    }

    /// Rejects keys outside `allowed`, the first in source order, suggesting a close spelling.
    private func checkKeys(_ t: TOMLTable, at path: [String], allowed: [String]) throws {
        for key in sortedByLine(t.keys, at: path) where !allowed.contains(key) {
            var message = "unknown key '\(key)'"
            if let guess = closest(to: key, in: allowed) { message += " (did you mean '\(guess)'?)" }
            message += "; allowed here: " + allowed.joined(separator: ", ")
            throw error(.unknownKey, path + [key], message)
        }
    }

    private func sortedByLine(_ keys: [String], at path: [String]) -> [String] {
        keys.sorted { a, b in
            let la = locator.line(of: path + [a]) ?? Int.max, lb = locator.line(of: path + [b]) ?? Int.max
            return la != lb ? la < lb : a < b
        }
    }

    /// The allowed key within edit distance 2 of `key`, if exactly one is closest.
    private func closest(to key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 2 }.sorted { $0.1 < $1.1 }
        return scored.first?.0
    }

    /// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// An error at `path`; for a missing entry the line is that of the nearest existing ancestor.
    private func error(_ reason: ProfileError.Reason, _ path: [String], _ message: String,
                       missing: Bool = false) -> ProfileError {
        let line = missing ? locator.nearestLine(of: Array(path.dropLast())) : locator.nearestLine(of: path)
        return ProfileError(reason: reason, file: file, line: line, key: path.joined(separator: "."), message: message)
    }
}
