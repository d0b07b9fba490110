import Testing

/// All trace suites, run one at a time: the streaming-memory test reads the process's peak
/// resident memory, which tests running beside it would disturb.
@Suite(.serialized) struct TraceTests {}
