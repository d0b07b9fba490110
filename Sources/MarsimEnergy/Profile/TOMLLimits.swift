/// Bounds a profile's TOML text before it is parsed, so a hostile file cannot make parsing hang
/// or exhaust the stack: TOMLKit's parser and marsim's key locator take time that grows
/// quadratically or worse with nesting depth (1,000 nested inline tables took 20 s).
///
/// One linear pass over the text, skipping strings and comments, checks: at most `maxBytes`
/// bytes; inline tables and arrays nested at most `maxDepth` deep; at most `maxDottedParts`
/// dot-separated parts on one line outside strings (a key `a.b.c…`). Real profiles use depth 2
/// and keys of 4 parts. It also checks that a table header (`[` or `[[` opening a line) starts
/// with a key: toml++ (inside TOMLKit) asserts that, so `[# x]` aborted the process in debug
/// builds and is undefined behaviour in release builds.
enum TOMLLimits {
    static let maxBytes = 1 << 20
    static let maxDepth = 32
    static let maxDottedParts = 64

    /// Throws a `ProfileError` (`malformedTOML`) at the line where a limit is passed.
    static func check(_ text: String, file: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxBytes else {
            throw ProfileError(reason: .malformedTOML, file: file, line: 1, key: "(document)",
                               message: "the profile is \(bytes.count) bytes; profiles are at most \(maxBytes >> 10) KiB")
        }
        var line = 1, depth = 0, dots = 0
        var lineStart = true  // only whitespace so far on this line
        var i = 0
        func fail(_ message: String) -> ProfileError {
            ProfileError(reason: .malformedTOML, file: file, line: line, key: "(document)", message: message)
        }
        func startsWith(_ s: String, at index: Int) -> Bool {
            let pattern = Array(s.utf8)
            return index + pattern.count <= bytes.count && Array(bytes[index ..< index + pattern.count]) == pattern
        }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\n"):
                line += 1
                dots = 0
                lineStart = true
                i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                i += 1
            case UInt8(ascii: "#"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let triple = startsWith(c == UInt8(ascii: "\"") ? "\"\"\"" : "'''", at: i)
                let escapes = c == UInt8(ascii: "\"")
                i += triple ? 3 : 1
                while i < bytes.count {
                    if escapes && bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                    if bytes[i] == UInt8(ascii: "\n") {
                        if !triple { break }
                        line += 1
                    }
                    if bytes[i] == c && (!triple || startsWith(String(repeating: String(UnicodeScalar(c)), count: 3), at: i)) {
                        i += triple ? 3 : 1
                        break
                    }
                    i += 1
                }
            case UInt8(ascii: "[") where depth == 0 && lineStart:
                var j = i + 1
                if j < bytes.count, bytes[j] == UInt8(ascii: "[") { j += 1 }
                while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
                let first = j < bytes.count ? bytes[j] : 0
                let isKeyStart = (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z")) || (first >= UInt8(ascii: "A") && first <= UInt8(ascii: "Z"))
                    || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: "_") || first == UInt8(ascii: "-")
                    || first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") || first == UInt8(ascii: "]")
                guard isKeyStart else { throw fail("a table header must start with a key, e.g. [compute]") }
                lineStart = false
                depth += 1
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maxDepth { throw fail("tables or arrays nested more than \(maxDepth) levels deep") }
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)
                i += 1
            case UInt8(ascii: "."):
                dots += 1
                if dots >= maxDottedParts { throw fail("a key with more than \(maxDottedParts) dotted parts") }
                i += 1
            default:
                i += 1
            }
            if i > 0, i <= bytes.count, bytes[i - 1] != UInt8(ascii: "\n"), bytes[i - 1] != UInt8(ascii: " "), bytes[i - 1] != UInt8(ascii: "\t") {
                lineStart = false
            }
        }
    }
}
