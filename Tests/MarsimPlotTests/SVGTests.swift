import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import MarsimPlot

@Suite("SVG writer")
struct SVGTests {
    @Test("escaping: markup characters, quotes and control characters")
    func escaping() {
        #expect(XMLEscaping.text("a < b & c > d \"q\"") == "a &lt; b &amp; c &gt; d \"q\"")
        #expect(XMLEscaping.attribute("say \"hi\" & 'bye'") == "say &quot;hi&quot; &amp; &apos;bye&apos;")
        #expect(XMLEscaping.text("bell\u{07}nul\u{00}") == "bell\u{FFFD}nul\u{FFFD}")
        #expect(XMLEscaping.text("tab\tnewline\n") == "tab\tnewline\n")
        #expect(XMLEscaping.text("µs 10⁻³ −1 😀") == "µs 10⁻³ −1 😀")
    }

    @Test("hostile labels still give a well-formed document that round-trips")
    func roundTrip() throws {
        let nasty = "</text><script>alert(\"x\")</script> & ]]> \u{01}"
        var doc = SVGDocument(width: 100, height: 50, title: nasty)
        doc.append(.text(nasty, x: 1, y: 2, [("data-label", nasty)]))
        let xml = try parseSVG(doc.render())
        let text = try #require(try elements("text", in: xml).first)
        #expect(text.stringValue == nasty.replacingOccurrences(of: "\u{01}", with: "\u{FFFD}"))
        #expect(attribute("data-label", of: text) == text.stringValue)
        #expect(try elements("script", in: xml).isEmpty)
    }

    @Test("numbers: two decimals at most, no -0, no NaN", arguments: [
        (1.0, "1"), (1.5, "1.5"), (1.234, "1.23"), (-0.001, "0"), (-2.5, "-2.5"), (0.05, "0.05"), (100.0, "100"),
        (.nan, "0"), (.infinity, "0"), (12.999, "13"),
    ] as [(Double, String)])
    func numbers(value: Double, expected: String) {
        #expect(svgNumber(value) == expected)
    }

    @Test("document: declaration, namespace, viewBox and size")
    func document() throws {
        let svg = SVGDocument(width: 320, height: 200, title: "t").render()
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("viewBox=\"0 0 320 200\""))
        _ = try parseSVG(svg)
    }
}
