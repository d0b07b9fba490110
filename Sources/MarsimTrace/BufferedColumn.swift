import MarsimHDF5

/// An extendable dataset and the rows waiting to be appended to it at the next flush.
///
/// The buffer keeps its capacity between flushes, so memory stays at the largest batch.
final class BufferedColumn<Element: H5Scalar> {
    private let dataset: H5Dataset
    private(set) var pending: [Element] = []

    init(_ dataset: consuming H5Dataset) {
        self.dataset = dataset
    }

    /// Creates the dataset `name` in `group` (rows of `rowWidth` elements, or scalars when nil),
    /// with a chunk cache of one chunk: the writer only ever fills the last chunk, and HDF5's
    /// default (1 MiB per dataset, kept full) would grow memory with the number of datasets.
    convenience init(in group: borrowing some H5Container & ~Copyable, _ name: String, rowWidth: Int?, chunkRows: Int,
                     compression: H5Compression = TraceFormat.compression) throws {
        let chunkBytes = chunkRows * (rowWidth ?? 1) * MemoryLayout<Element>.size
        self.init(try group.createExtendableDataset(name, of: Element.self, rowShape: rowWidth.map { [$0] } ?? [],
                                                    chunkRows: chunkRows, compression: compression,
                                                    chunkCacheBytes: chunkBytes))
    }

    func add(_ value: Element) { pending.append(value) }

    func add<S: Sequence>(contentsOf values: S) where S.Element == Element { pending.append(contentsOf: values) }

    /// Appends the pending rows to the dataset (`H5Dset_extent` + hyperslab `H5Dwrite`).
    func write() throws {
        guard !pending.isEmpty else { return }
        try dataset.append(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Sets a string attribute on the dataset.
    func setAttribute(_ name: String, _ value: String) throws { try dataset.setAttribute(name, value) }
}
