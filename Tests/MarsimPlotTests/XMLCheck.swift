import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Parses SVG text with Foundation's XML parser (libxml2); a parse failure is a test failure.
func parseSVG(_ svg: String) throws -> XMLDocument {
    let doc = try XMLDocument(xmlString: svg, options: [])
    let root = try #require(doc.rootElement())
    #expect(root.name == "svg")
    #expect(root.namespaces?.first?.stringValue == "http://www.w3.org/2000/svg")
    return doc
}

/// Elements named `name` anywhere in the document (namespace-agnostic).
func elements(_ name: String, in doc: XMLDocument) throws -> [XMLElement] {
    try doc.nodes(forXPath: "//*[local-name()='\(name)']").compactMap { $0 as? XMLElement }
}

/// Elements whose `class` attribute lists `cls`.
func elements(withClass cls: String, in doc: XMLDocument) throws -> [XMLElement] {
    try doc.nodes(forXPath: "//*[contains(concat(' ', @class, ' '), ' \(cls) ')]").compactMap { $0 as? XMLElement }
}

/// The value of attribute `name` of `e`. (swift-corelibs-foundation's `attribute(forName:)` returns nil
/// for elements in a default namespace, so this scans the attribute list.)
func attribute(_ name: String, of e: XMLElement) -> String? {
    e.attributes?.first { $0.name == name }?.stringValue
}
