import Foundation
import MarsimCore

extension ThresholdSet {
    /// Writes the learned-threshold file `ThresholdSet.learned(file:sites:shape:)` reads: per site a
    /// tensor named by the site (`layer00.mixer.in_proj`) of shape [fan-in], F32, holding the
    /// log-thresholds a (`logValues`, so reading it back gives exactly `values`), and string
    /// `metadata` (plus `source`) under `__metadata__`. Written under a temporary name and renamed
    /// over `path` when complete (`AtomicOutputFile`).
    public func write(to path: String, sites: [AccountingUnit], metadata: [String: String] = [:]) throws {
        var header: [String: Any] = [:]
        var data = Data()
        for site in sites {
            guard values[site] != nil else { throw ThresholdError("no thresholds for site \(site.name) to write") }
            let a = logValues(site)
            header[site.name] = ["dtype": "F32", "shape": [a.count], "data_offsets": [data.count, data.count + 4 * a.count]]
            a.withUnsafeBufferPointer { buffer in
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        var meta = metadata
        meta["source"] = source
        meta["format"] = "marsim learned thresholds: per site, log-thresholds a [fan-in], V = exp(a)"
        header["__metadata__"] = meta
        var json = String(decoding: try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]), as: UTF8.self)
        while json.utf8.count % 8 != 0 { json += " " }
        let file = try AtomicOutputFile(path: path, label: "threshold file")
        var length = UInt64(json.utf8.count).littleEndian
        try file.write(Data(bytes: &length, count: 8))
        try file.write(json)
        try file.write(data)
        try file.commit()
    }
}
