import MarsimHDF5
import Testing

@Suite("H5Dataset")
struct H5DatasetTests {
    @Test func fixedDatasetsRoundTripEveryType() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/d.h5"
            do {
                let file = try H5File(creating: path)
                try file.createDataset("u64", values: [0, 1, UInt64.max])
                try file.createDataset("i64", values: [Int64.min, -1, Int64.max])
                try file.createDataset("f64", values: [0.5, -.infinity, .nan])
                try file.createDataset("f32", values: [Float(1.25), 3])
                try file.createDataset("i8", values: [Int8(-1), 1])
                try file.createDataset("u8", values: [UInt8(255)])
                try file.createDataset("u32", values: [UInt32(7), 8, 9, 10, 11, 12], shape: [2, 3])
                try file.createDataset("empty", values: [Double]())
                try file.createDataset("names", strings: ["layer00.mixer.in_proj", "", "ünïcode"])
            }
            let file = try H5File(opening: path)
            #expect(try file.openDataset("u64").read(as: UInt64.self) == [0, 1, UInt64.max])
            #expect(try file.openDataset("i64").read(as: Int64.self) == [Int64.min, -1, Int64.max])
            let doubles = try file.openDataset("f64").read(as: Double.self)
            #expect(doubles[0] == 0.5 && doubles[1] == -.infinity && doubles[2].isNaN)
            #expect(try file.openDataset("f32").read(as: Float.self) == [1.25, 3])
            #expect(try file.openDataset("i8").read(as: Int8.self) == [-1, 1])
            #expect(try file.openDataset("u8").read(as: UInt8.self) == [255])
            let matrix = try file.openDataset("u32")
            #expect(try matrix.shape() == [2, 3])
            #expect(try matrix.read(as: UInt32.self) == [7, 8, 9, 10, 11, 12])
            #expect(try matrix.read(as: UInt32.self, rows: 1..<2) == [10, 11, 12])
            #expect(try file.openDataset("empty").read(as: Double.self).isEmpty)
            #expect(try file.openDataset("names").readStrings() == ["layer00.mixer.in_proj", "", "ünïcode"])
            #expect(try file.openDataset("u64").storedType() == .integer(bytes: 8, signed: false))
            #expect(try file.openDataset("f32").storedType() == .float(bytes: 4))
            #expect(try file.openDataset("i8").storedType() == H5ScalarKind.int8.storedType)
            #expect(try file.openDataset("names").storedType() == .string(variableLength: true))
        }
    }

    @Test func extendableDatasetsGrowByAppendedRows() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/e.h5"
            do {
                let file = try H5File(creating: path)
                let column = try file.createExtendableDataset("column", of: UInt64.self, chunkRows: 4,
                                                              compression: .shuffledDeflate(level: 4))
                let table = try file.createExtendableDataset("table", of: Int64.self, rowShape: [3], chunkRows: 2,
                                                             compression: .none)
                for start in stride(from: 0, to: 30, by: 3) {
                    try column.append([UInt64(start), UInt64(start + 1), UInt64(start + 2)])
                    try table.append([Int64(start), -1, Int64(start * 2)])
                    try file.flush()
                }
                try column.append([UInt64]())
                #expect(throws: HDF5Error.self) { try table.append([Int64(1), 2]) }
            }
            let file = try H5File(opening: path)
            #expect(try file.openDataset("column").read(as: UInt64.self) == (0..<30).map { UInt64($0) })
            let table = try file.openDataset("table")
            #expect(try table.shape() == [10, 3])
            #expect(try table.read(as: Int64.self, rows: 9..<10) == [27, -1, 54])
            #expect(throws: HDF5Error.self) { try table.read(as: Int64.self, rows: 9..<11) }
        }
    }

    @Test func readingAStringDatasetAsStringsChecksTheType() throws {
        try withTemporaryDirectory { directory in
            let file = try H5File(creating: directory + "/s.h5")
            let numbers = try file.createDataset("n", values: [1.0])
            #expect(throws: HDF5Error.self) { try numbers.readStrings() }
        }
    }
}
