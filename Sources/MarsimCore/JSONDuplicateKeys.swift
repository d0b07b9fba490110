/// Finds an object key that appears twice in the same JSON object.
///
/// Why: JSON does not say which of two equal keys wins. Python's `json` keeps the last, Foundation's
/// decoders the first, so a config.json or task line with a repeated key would mean one thing to
/// the tool that wrote it and another to marsim. marsim refuses such files instead.
///
/// The scanner is linear, never recursive (deep nesting cannot overflow the stack), and tolerant
/// of what `JSONDecoder.allowsJSON5` accepts (comments, single-quoted or bare keys, `Infinity`,
/// trailing commas). Keys are compared after unescaping (`"a"` and `"\u0061"` are the same key).
/// It only looks for duplicates: text it cannot follow makes it stop and report none, leaving the
/// syntax error to the real decoder.
public enum JSONDuplicateKeys {
    /// The first repeated key as a path (`ssm_cfg.d_state`, `[3].label`), or nil.
    public static func first(in bytes: [UInt8]) -> String? {
        var scanner = Scanner(bytes: bytes)
        return scanner.run()
    }

    /// See `first(in:)`.
    public static func first<S: Sequence>(in bytes: S) -> String? where S.Element == UInt8 { first(in: Array(bytes)) }

    private struct Container {
        var isObject: Bool
        var keys: Set<String> = []
        /// The key (object) or index (array) of the value being read, for the path.
        var current: String = ""
        var index = 0
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        var stack: [Container] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        var path: String {
            var parts = ""
            for container in stack {
                if container.isObject {
                    parts += (parts.isEmpty ? "" : ".") + container.current
                } else {
                    parts += "[\(container.index)]"
                }
            }
            return parts
        }

        mutating func skipSpaceAndComments() {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0xEF || c == 0xBB || c == 0xBF {
                    i += 1
                } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                    while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                } else if c == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                    i += 2
                    while i + 1 < bytes.count, !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                    i += 2
                } else {
                    return
                }
            }
        }

        /// A quoted string starting at `i` (the quote), unescaped; nil when unterminated.
        mutating func string() -> String? {
            let quote = bytes[i]
            i += 1
            var out: [UInt8] = []
            var pendingHigh: UInt32?
            while i < bytes.count {
                let c = bytes[i]
                if c == quote { i += 1; return String(decoding: out, as: UTF8.self) }
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < bytes.count else { return nil }
                    let e = bytes[i + 1]
                    i += 2
                    switch e {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { return nil }
                        i += 4
                        if (0xD800..<0xDC00).contains(code) { pendingHigh = code; continue }
                        var scalarValue = code
                        if (0xDC00..<0xE000).contains(code), let high = pendingHigh {
                            scalarValue = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                        }
                        pendingHigh = nil
                        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
                        out.append(contentsOf: Array(String(scalar).utf8))
                        continue
                    default: out.append(e)
                    }
                    pendingHigh = nil
                    continue
                }
                out.append(c)
                i += 1
            }
            return nil
        }

        /// A bare word (JSON5 key, `true`, `Infinity`, a number).
        mutating func word() -> String {
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: ":") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]")
                    || c == UInt8(ascii: "{") || c == UInt8(ascii: "[") || c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
                    || c == UInt8(ascii: "/") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { break }
                i += 1
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func run() -> String? {
            // States: expecting a value, expecting a key (in an object), or after a value.
            enum Expect { case value, key, separator }
            var expect = Expect.value
            while true {
                skipSpaceAndComments()
                guard i < bytes.count else { return nil }
                let c = bytes[i]
                switch expect {
                case .key:
                    if c == UInt8(ascii: "}") {  // empty object or trailing comma
                        i += 1
                        stack.removeLast()
                        expect = .separator
                        if stack.isEmpty { return nil }
                        continue
                    }
                    let key: String
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                        guard let s = string() else { return nil }
                        key = s
                    } else {
                        key = word()
                        guard !key.isEmpty else { return nil }
                    }
                    stack[stack.count - 1].current = key
                    guard stack[stack.count - 1].keys.insert(key).inserted else { return path }
                    skipSpaceAndComments()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    expect = .value
                case .value:
                    if c == UInt8(ascii: "{") {
                        i += 1
                        stack.append(Container(isObject: true))
                        expect = .key
                    } else if c == UInt8(ascii: "[") {
                        i += 1
                        stack.append(Container(isObject: false))
                        skipSpaceAndComments()
                        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                            i += 1
                            stack.removeLast()
                            if stack.isEmpty { return nil }
                            expect = .separator
                        }
                    } else if c == UInt8(ascii: "]"), let top = stack.last, !top.isObject {  // trailing comma
                        i += 1
                        stack.removeLast()
                        if stack.isEmpty { return nil }
                        expect = .separator
                    } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                        guard string() != nil else { return nil }
                        if stack.isEmpty { return nil }
                        expect = .separator
                    } else {
                        guard !word().isEmpty else { return nil }
                        if stack.isEmpty { return nil }
                        expect = .separator
                    }
                case .separator:
                    guard let top = stack.last else { return nil }
                    if c == UInt8(ascii: ",") {
                        i += 1
                        if top.isObject { expect = .key } else {
                            stack[stack.count - 1].index += 1
                            expect = .value
                        }
                    } else if c == UInt8(ascii: top.isObject ? "}" : "]") {
                        i += 1
                        stack.removeLast()
                        if stack.isEmpty { return nil }
                    } else {
                        return nil
                    }
                }
            }
        }
    }
}
