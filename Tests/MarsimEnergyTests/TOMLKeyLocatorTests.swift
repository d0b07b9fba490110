import Testing
@testable import MarsimEnergy

@Suite("TOML key locator")
struct TOMLKeyLocatorTests {
    static let source = """
    # comment with key = value
    top = "x"   # trailing comment
    multi = \"\"\"
    not_a_key = 1
    \"\"\"
    literal = '''
    also_not = 2
    '''

    [a.b]
    c = { d = "1 pJ", e = { f = true }, "quoted key" = 3 }
    g.h = 4
    list = [
      { inside = 1 },
      "[not.a.header]",
    ]
    after = 5

    [[arr]]
    x = 1
    """

    @Test("finds keys, dotted keys, nested inline tables and headers on the right lines")
    func lines() {
        let locator = TOMLKeyLocator(source: Self.source)
        #expect(locator.line(of: ["top"]) == 2)
        #expect(locator.line(of: ["multi"]) == 3)
        #expect(locator.line(of: ["not_a_key"]) == nil)
        #expect(locator.line(of: ["also_not"]) == nil)
        #expect(locator.line(of: ["a", "b"]) == 10)
        #expect(locator.line(of: ["a"]) == 10)
        #expect(locator.line(of: ["a", "b", "c"]) == 11)
        #expect(locator.line(of: ["a", "b", "c", "d"]) == 11)
        #expect(locator.line(of: ["a", "b", "c", "e", "f"]) == 11)
        #expect(locator.line(of: ["a", "b", "c", "quoted key"]) == 11)
        #expect(locator.line(of: ["a", "b", "g", "h"]) == 12)
        #expect(locator.line(of: ["a", "b", "list"]) == 13)
        #expect(locator.line(of: ["not", "a", "header"]) == nil)
        #expect(locator.line(of: ["a", "b", "after"]) == 17)
        #expect(locator.line(of: ["arr", "x"]) == 20)
    }

    @Test("missing keys resolve to the nearest defined ancestor; problems map back to keys")
    func nearest() {
        let locator = TOMLKeyLocator(source: Self.source)
        #expect(locator.nearestLine(of: ["a", "b", "missing"]) == 10)
        #expect(locator.nearestLine(of: ["nothing", "here"]) == 1)
        #expect(locator.keyPath(atLine: 11) == ["a", "b", "c", "e", "f"])
        #expect(locator.keyPath(atLine: 15) == ["a", "b"])
        #expect(locator.keyPath(atLine: 1) == nil)
    }
}
