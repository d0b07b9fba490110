/// The events of one SONATA population (one spiking site) over a span of tokens, as stored:
/// parallel arrays in time order.
public struct SpikeEvents: Sendable, Equatable {
    /// The input channel that fired (`node_ids`).
    public var nodeIDs: [UInt64]
    /// When, in milliseconds (`timestamps`).
    public var timestampsMs: [Double]
    /// +1 or −1 (`polarity`).
    public var polarity: [Int8]

    public init(nodeIDs: [UInt64], timestampsMs: [Double], polarity: [Int8]) {
        self.nodeIDs = nodeIDs
        self.timestampsMs = timestampsMs
        self.polarity = polarity
    }

    public var count: Int { nodeIDs.count }
}
