import Foundation

/// The commands' plain-text tables: a header, a rule of dashes, then the rows; the first column
/// left-aligned, the others right-aligned (numbers line up).
public enum TextTable {
    /// The table's lines; every row has the header's number of cells.
    public static func render(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ r: [String]) -> String {
            r.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - r[c].count)
                return c == 0 ? r[c] + pad : pad + r[c]
            }.joined(separator: "  ")
        }
        return [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)
    }
}
