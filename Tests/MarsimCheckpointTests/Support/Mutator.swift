import MarsimTestSupport
import Foundation

/// Seeded random damage to the bytes and JSON of checkpoint files, for the fuzz tests. Each
/// mutation returns a label, so a failure names the seed, the index and what was done.
struct Mutator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    // MARK: Values

    /// Numbers a loader must survive: edges of every integer width, fractions, huge floats.
    static let interestingNumbers = [
        "0", "1", "-1", "2", "3", "7", "-0", "0.5", "1.5", "-2.5", "1e3", "1e20", "1e308", "-1e308", "4294967295", "4294967296",
        "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
        "18446744073709551616", "123456789012345678901234567890",
    ]

    /// JSON values of every type, to put where another type belongs.
    static let interestingValues = [
        "null", "true", "false", "\"\"", "\"x\"", "\"F32\"", "[]", "[1]", "[1,2,3]", "[-1,2]", "[\"a\"]", "{}", "{\"a\":1}",
        "{\"__float__\":\"Infinity\"}", "{\"__float__\":\"NaN\"}", "{\"__float__\":\"-Infinity\"}", "[0,{\"__float__\":\"Infinity\"}]",
        "\"auto\"", "\"Infinity\"", "[[[]]]",
    ] + interestingNumbers

    /// Bytes that break JSON in interesting ways.
    static let garbage = ["{", "}", "[", "]", "\"", ",", ":", "\\", "\\u0000", "\u{0}", "\u{FF}", "null", "-", "e", ".", " ", "\n", "\u{FEFF}", "/*", "//"]

    mutating func number(replacing original: Substring) -> String {
        if rng.chance(0.3), let value = Int(original) {
            return String(rng.pick([value + 1, value - 1, value * 2, value / 2, -value, value + 4, value - 4, value * 1000]))
        }
        return rng.pick(Self.interestingNumbers)
    }

    // MARK: Text edits

    /// The byte ranges of the JSON numbers in `text` (digit runs, with a leading minus).
    static func numberRanges(_ text: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var i = 0
        while i < text.count {
            if (text[i] >= 0x30 && text[i] <= 0x39) || (text[i] == 0x2D && i + 1 < text.count && text[i + 1] >= 0x30 && text[i + 1] <= 0x39) {
                let start = i
                i += 1
                while i < text.count, (text[i] >= 0x30 && text[i] <= 0x39) || text[i] == 0x2E || text[i] == 0x65 || text[i] == 0x45 { i += 1 }
                ranges.append(start..<i)
            } else {
                i += 1
            }
        }
        return ranges
    }

    /// The ranges of the string values after `"key":` (quotes excluded).
    static func stringValueRanges(_ text: [UInt8], key: String) -> [Range<Int>] {
        let needle = Array("\"\(key)\":\"".utf8)
        var ranges: [Range<Int>] = []
        var i = 0
        while i + needle.count <= text.count {
            if Array(text[i..<(i + needle.count)]) == needle {
                let start = i + needle.count
                var end = start
                while end < text.count, text[end] != 0x22 { end += 1 }
                ranges.append(start..<end)
                i = end
            } else {
                i += 1
            }
        }
        return ranges
    }

    /// Replaces one number in `text`.
    mutating func changeNumber(_ text: inout [UInt8]) -> String {
        let ranges = Self.numberRanges(text)
        guard !ranges.isEmpty else { return insertGarbage(&text) }
        let range = rng.pick(ranges)
        let old = String(decoding: text[range], as: UTF8.self)
        let new = number(replacing: Substring(old))
        text.replaceSubrange(range, with: Array(new.utf8))
        return "number \(old) → \(new) at \(range.lowerBound)"
    }

    /// Replaces one string value of `key` with one of `choices` (or a non-string value).
    mutating func changeString(_ text: inout [UInt8], key: String, choices: [String]) -> String {
        let ranges = Self.stringValueRanges(text, key: key)
        guard !ranges.isEmpty else { return insertGarbage(&text) }
        let range = rng.pick(ranges)
        if rng.chance(0.2) {
            let value = rng.pick(Self.interestingValues)
            text.replaceSubrange((range.lowerBound - 1)..<(range.upperBound + 1), with: Array(value.utf8))
            return "\(key) → \(value)"
        }
        let value = rng.pick(choices)
        text.replaceSubrange(range, with: Array(value.utf8))
        return "\(key) → \"\(value)\""
    }

    /// Inserts a short run of JSON-breaking bytes somewhere.
    mutating func insertGarbage(_ text: inout [UInt8]) -> String {
        let at = rng.below(text.count + 1)
        var inserted = ""
        for _ in 0...rng.below(3) { inserted += rng.pick(Self.garbage) }
        text.insert(contentsOf: Array(inserted.utf8), at: at)
        return "garbage \(inserted.debugDescription) at \(at)"
    }

    /// Flips 1–4 random bits in `bytes[range]`.
    mutating func flipBits(_ bytes: inout [UInt8], in range: Range<Int>) -> String {
        guard !range.isEmpty else { return "no bytes to flip" }
        var flipped: [String] = []
        for _ in 0...rng.below(4) {
            let i = range.lowerBound + rng.below(range.count)
            let bit = UInt8(1) << UInt8(rng.below(8))
            bytes[i] ^= bit
            flipped.append("\(i):\(bit)")
        }
        return "flip bits " + flipped.joined(separator: ",")
    }

    /// Cuts `text` at a random position.
    mutating func truncate(_ bytes: inout [UInt8]) -> String {
        let keep = rng.below(bytes.count)
        bytes.removeSubrange(keep...)
        return "truncate to \(keep) bytes"
    }

    // MARK: JSON object edits

    /// Applies one structural edit to a JSON object: delete a key, retype a value, or recurse
    /// into a nested object or array.
    mutating func editObject(_ object: inout [String: Any], depth: Int = 0) -> String {
        let keys = object.keys.sorted()
        guard !keys.isEmpty else {
            object["x"] = 1
            return "add key to empty object"
        }
        let key = rng.pick(keys)
        switch rng.below(depth == 0 ? 5 : 3) {
        case 0:
            object[key] = nil
            return "delete '\(key)'"
        case 1, 2:
            let text = rng.pick(Self.interestingValues)
            object[key] = Self.parse(text)
            return "'\(key)' = \(text)"
        default:
            if var inner = object[key] as? [String: Any] {
                let what = editObject(&inner, depth: depth + 1)
                object[key] = inner
                return "'\(key)'." + what
            }
            if var array = object[key] as? [Any], !array.isEmpty {
                let i = rng.below(array.count)
                switch rng.below(3) {
                case 0: array.remove(at: i)
                case 1: array.append(array[i])
                default: array[i] = Self.parse(rng.pick(Self.interestingValues))
                }
                object[key] = array
                return "'\(key)'[\(i)] edited"
            }
            let text = rng.pick(Self.interestingValues)
            object[key] = Self.parse(text)
            return "'\(key)' = \(text)"
        }
    }

    /// A JSON value from its text (numbers Foundation cannot hold become a string).
    static func parse(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? text
    }
}

/// JSON text of an object with sorted keys (compact, as safetensors writes headers).
func jsonBytes(_ object: [String: Any]) -> [UInt8] {
    guard JSONSerialization.isValidJSONObject(object) else { return Array("{}".utf8) }
    return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
}
