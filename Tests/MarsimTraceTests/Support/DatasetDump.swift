import MarsimHDF5

/// Every dataset of an HDF5 file, by path, rendered as text (values converted by stored type),
/// so two files can be compared dataset by dataset.
enum DatasetDump {
    static func of(_ path: String) throws -> [String: String] {
        let file = try H5File(opening: path)
        var result: [String: String] = [:]
        try collect(file, into: &result)
        return result
    }

    private static func collect<C: H5Container & ~Copyable>(_ container: borrowing C, into result: inout [String: String]) throws {
        for name in try container.memberNames() {
            switch try container.kind(of: name) {
            case .group?:
                try collect(try container.openGroup(name), into: &result)
            case .dataset?:
                let dataset = try container.openDataset(name)
                let type = try dataset.storedType()
                let values: String
                switch type {
                case .integer(_, signed: true): values = "\(try dataset.read(as: Int64.self))"
                case .integer(_, signed: false): values = "\(try dataset.read(as: UInt64.self))"
                case .float: values = "\(try dataset.read(as: Double.self))"
                case .string: values = "\(try dataset.readStrings())"
                default: values = "?"
                }
                result[dataset.objectPath] = "\(type) \(try dataset.shape()) \(values)"
            default:
                break
            }
        }
    }
}
