import MarsimHDF5
import Testing

@Suite("Attributes")
struct H5AttributeTests {
    @Test func everyAttributeKindRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/a.h5"
            let sorting: [(name: String, value: UInt8)] = [("none", 0), ("by_id", 1), ("by_time", 2)]
            do {
                let file = try H5File(creating: path)
                try file.setAttribute("magic", UInt32(0x0A7A))
                try file.setAttribute("version", [UInt32(0), 1])
                try file.setAttribute("tau", 2.5)
                try file.setAttribute("count", Int64(-42))
                try file.setAttribute("note", "ünïcode ✓")
                let group = try file.createGroup("population")
                try group.setEnumAttribute("sorting", members: sorting, value: 2)
                let dataset = try group.createDataset("timestamps", values: [0.0])
                try dataset.setAttribute("units", "ms")
            }
            let file = try H5File(opening: path)
            #expect(try file.readAttribute("magic", as: UInt32.self) == 0x0A7A)
            #expect(try file.attributeType("magic") == .integer(bytes: 4, signed: false))
            #expect(try file.attributeShape("magic") == [])
            #expect(try file.readAttributeArray("version", as: UInt32.self) == [0, 1])
            #expect(try file.attributeShape("version") == [2])
            #expect(try file.readAttribute("tau", as: Double.self) == 2.5)
            #expect(try file.readAttribute("count", as: Int64.self) == -42)
            #expect(try file.readStringAttribute("note") == "ünïcode ✓")
            #expect(try file.hasAttribute("note"))
            #expect(try !file.hasAttribute("absent"))
            let group = try file.openGroup("population")
            #expect(try group.readEnumAttribute("sorting") == "by_time")
            #expect(try group.attributeType("sorting") == .enumeration(bytes: 1))
            #expect(try group.openDataset("timestamps").readStringAttribute("units") == "ms")
            #expect(throws: HDF5Error.self) { try file.readAttribute("version", as: UInt32.self) }
            #expect(throws: HDF5Error.self) { try file.readStringAttribute("magic") }
            #expect(throws: HDF5Error.self) { try file.readAttribute("absent", as: UInt32.self) }
        }
    }

    @Test func settingAnAttributeAgainReplacesIt() throws {
        try withTemporaryDirectory { directory in
            let file = try H5File(creating: directory + "/r.h5")
            for value in Int64(0)..<100 { try file.setAttribute("tokens", value) }
            #expect(try file.readAttribute("tokens", as: Int64.self) == 99)
            try file.setAttribute("tokens", "now a string")
            #expect(try file.readStringAttribute("tokens") == "now a string")
            try file.setAttribute("tokens", [1.0, 2.0])
            #expect(try file.readAttributeArray("tokens", as: Double.self) == [1, 2])
        }
    }
}
