import MarsimHDF5

/// How the SONATA event datasets (`/spikes/<population>/*`) are compressed.
///
/// The choice matters for third-party readers: libsonata's pip wheels carry an HDF5 built without
/// zlib and cannot read deflated datasets ("required filter 'deflate' is not registered").
/// marsim's own tables under `/marsim` are always deflated; SONATA readers never open them.
public enum SpikeCompression: String, Sendable, CaseIterable, Codable {
    /// Only filters built into every HDF5 library: lossless integer scale-offset on `node_ids`
    /// and `polarity`, `timestamps` stored raw. Readable everywhere, libsonata included.
    case portable
    /// Shuffle + deflate on all three datasets: several times smaller, but needs a reader whose
    /// HDF5 has zlib (system libhdf5, h5py, marsim), not libsonata's pip wheels.
    case deflate

    /// The filters for the integer datasets (`node_ids`, `polarity`).
    var integerFilters: H5Compression {
        self == .portable ? .scaleOffsetIntegers : TraceFormat.compression
    }

    /// The filters for `timestamps` (float64).
    var timestampFilters: H5Compression {
        self == .portable ? .none : TraceFormat.compression
    }
}
