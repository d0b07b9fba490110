/// Finds the line on which each key of a TOML document is defined, for error messages.
///
/// TOMLKit (over toml++) does not expose source positions of keys, so this is a small, tolerant
/// scanner over the source text. It understands what profiles use: comments, `[table]` and
/// `[[array]]` headers, bare / quoted / dotted keys, inline tables (recursively), arrays (skipped,
/// possibly over several lines) and all four string forms including multi-line ones. It never
/// fails: on text it does not understand it skips to the end of the line, so it can also point at
/// keys near a syntax error. Lines are 1-based; the first definition of a path wins.
struct TOMLKeyLocator {
    /// Line of each dotted key path (`compute.mac.value`), including table headers and their prefixes.
    private(set) var lines: [String: Int] = [:]
    /// For each line that defines something, the deepest path defined there.
    private(set) var pathOnLine: [Int: [String]] = [:]
    /// The table header in effect at each line that opens a table, in order (line, path).
    private var headers: [(line: Int, path: [String])] = []

    init(source: String) {
        var scanner = Scanner(Array(source.unicodeScalars))
        scanDocument(&scanner)
    }

    /// The line where `path` is defined, if it is.
    func line(of path: [String]) -> Int? { lines[path.joined(separator: ".")] }

    /// The line of `path`, or of its nearest defined ancestor; 1 when none is defined.
    func nearestLine(of path: [String]) -> Int {
        var p = path
        while !p.isEmpty {
            if let l = line(of: p) { return l }
            p.removeLast()
        }
        return 1
    }

    /// The key path most plausibly meant by a problem on `line`: the deepest key defined on that
    /// line, else the table in effect there; nil when the line lies before any key or header.
    func keyPath(atLine line: Int) -> [String]? {
        if let p = pathOnLine[line] { return p }
        return headers.last(where: { $0.line <= line })?.path
    }

    // MARK: - Scanning

    private mutating func record(_ path: [String], line: Int) {
        guard !path.isEmpty else { return }
        for n in 1...path.count {
            let key = path[0..<n].joined(separator: ".")
            if lines[key] == nil { lines[key] = line }
        }
        if (pathOnLine[line]?.count ?? 0) <= path.count { pathOnLine[line] = path }
    }

    private mutating func scanDocument(_ s: inout Scanner) {
        var table: [String] = []
        while !s.atEnd {
            s.skipBlank(newlines: true)
            guard let c = s.peek else { break }
            if c == "[" {
                let line = s.line
                s.advance()
                if s.peek == "[" { s.advance() }
                if let key = s.readDottedKey() {
                    table = key
                    record(key, line: line)
                    headers.append((line, key))
                }
                s.skipToEndOfLine()
            } else if let key = s.readDottedKey() {
                let line = s.line
                let path = table + key
                record(path, line: line)
                s.skipBlank(newlines: false)
                if s.peek == "=" {
                    s.advance()
                    scanValue(&s, path: path)
                }
                s.skipToEndOfLine()
            } else {
                s.skipToEndOfLine()
            }
        }
    }

    private mutating func scanValue(_ s: inout Scanner, path: [String]) {
        s.skipBlank(newlines: false)
        guard let c = s.peek else { return }
        switch c {
        case "{":
            s.advance()
            while !s.atEnd {
                s.skipBlank(newlines: false)
                if s.peek == "}" { s.advance(); return }
                if s.peek == "\n" || s.peek == nil { return }
                let line = s.line
                guard let key = s.readDottedKey() else { return }
                record(path + key, line: line)
                s.skipBlank(newlines: false)
                guard s.peek == "=" else { return }
                s.advance()
                scanValue(&s, path: path + key)
                s.skipBlank(newlines: false)
                if s.peek == "," { s.advance(); continue }
                if s.peek == "}" { s.advance(); return }
                return
            }
        case "[":
            s.skipArray()
        case "\"", "'":
            s.skipString()
        default:
            while let d = s.peek, d != ",", d != "}", d != "]", d != "\n", d != "#" { s.advance() }
        }
    }
}

/// A cursor over unicode scalars that tracks the 1-based line number.
private struct Scanner {
    private let text: [Unicode.Scalar]
    private var index = 0
    private(set) var line = 1

    init(_ text: [Unicode.Scalar]) { self.text = text }

    var atEnd: Bool { index >= text.count }
    var peek: Unicode.Scalar? { index < text.count ? text[index] : nil }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < text.count ? text[index + offset] : nil
    }

    mutating func advance() {
        guard index < text.count else { return }
        if text[index] == "\n" { line += 1 }
        index += 1
    }

    /// Skips spaces, tabs, comments and (optionally) newlines.
    mutating func skipBlank(newlines: Bool) {
        while let c = peek {
            if c == " " || c == "\t" || c == "\r" || (newlines && c == "\n") {
                advance()
            } else if c == "#" {
                while let d = peek, d != "\n" { advance() }
            } else {
                return
            }
        }
    }

    /// Moves past the next newline, skipping strings so that a multi-line string is not mistaken for lines.
    mutating func skipToEndOfLine() {
        while let c = peek {
            if c == "\n" { advance(); return }
            if c == "\"" || c == "'" { skipString(); continue }
            if c == "#" { while let d = peek, d != "\n" { advance() }; continue }
            advance()
        }
    }

    /// Skips a basic or literal string, single- or multi-line, starting at its opening quote.
    mutating func skipString() {
        guard let q = peek else { return }
        if peek(1) == q && peek(2) == q {
            advance(); advance(); advance()
            while !atEnd {
                if q == "\"" && peek == "\\" { advance(); advance(); continue }
                if peek == q && peek(1) == q && peek(2) == q {
                    advance(); advance(); advance()
                    // Up to two more quotes may belong to the content.
                    while peek == q { advance() }
                    return
                }
                advance()
            }
        } else {
            advance()
            while let c = peek, c != "\n" {
                if q == "\"" && c == "\\" { advance(); advance(); continue }
                advance()
                if c == q { return }
            }
        }
    }

    /// Skips an array (any nesting, strings, comments, newlines), starting at `[`.
    mutating func skipArray() {
        var depth = 0
        while let c = peek {
            switch c {
            case "[", "{": depth += 1; advance()
            case "]", "}":
                depth -= 1; advance()
                if depth <= 0 { return }
            case "\"", "'": skipString()
            case "#": while let d = peek, d != "\n" { advance() }
            default: advance()
            }
        }
    }

    /// Reads `a.b."c d"` with surrounding blanks; nil (without consuming a key) if no key starts here.
    mutating func readDottedKey() -> [String]? {
        var parts: [String] = []
        while true {
            skipBlank(newlines: false)
            guard let part = readSimpleKey() else { return parts.isEmpty ? nil : parts }
            parts.append(part)
            skipBlank(newlines: false)
            if peek == "." { advance() } else { return parts }
        }
    }

    private mutating func readSimpleKey() -> String? {
        guard let c = peek else { return nil }
        if c == "\"" || c == "'" {
            advance()
            var key = ""
            while let d = peek, d != c, d != "\n" {
                if c == "\"" && d == "\\" {
                    advance()
                    if let e = peek { key.unicodeScalars.append(e); advance() }
                    continue
                }
                key.unicodeScalars.append(d)
                advance()
            }
            if peek == c { advance() }
            return key
        }
        var key = ""
        while let d = peek, (d.properties.isAlphabetic && d.isASCII) || ("0"..."9").contains(d) || d == "_" || d == "-" {
            key.unicodeScalars.append(d)
            advance()
        }
        return key.isEmpty ? nil : key
    }
}
