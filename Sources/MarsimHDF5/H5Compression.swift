/// How an extendable dataset's chunks are filtered on their way to disk.
///
/// Shuffle and scale-offset are built into every HDF5 library; deflate needs one built with zlib
/// (system libhdf5 and h5py have it; the HDF5 inside libsonata's pip wheels does not).
public struct H5Compression: Sendable, Equatable {
    /// Lossless integer scale-offset: each chunk stores values minus its minimum in as few bits
    /// as its range needs (`H5Pset_scaleoffset(H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT)`).
    /// Integer datasets only.
    public var scaleOffsetIntegers: Bool
    /// Byte shuffle before deflate (`H5Pset_shuffle`).
    public var shuffle: Bool
    /// zlib level 0–9 (`H5Pset_deflate`), or nil for no compression.
    public var deflateLevel: Int?

    public init(scaleOffsetIntegers: Bool = false, shuffle: Bool = false, deflateLevel: Int? = nil) {
        self.scaleOffsetIntegers = scaleOffsetIntegers
        self.shuffle = shuffle
        self.deflateLevel = deflateLevel
    }

    /// Chunks stored as they are.
    public static let none = H5Compression()

    /// Integer scale-offset only: portable to every HDF5 build.
    public static let scaleOffsetIntegers = H5Compression(scaleOffsetIntegers: true)

    /// Shuffle, then deflate at `level`.
    public static func shuffledDeflate(level: Int) -> H5Compression {
        H5Compression(shuffle: true, deflateLevel: level)
    }
}
