import CHDF5

/// An open HDF5 object that can carry attributes: a file (its root group), a group, or a dataset.
///
/// Conforming types own their identifier and close it in `deinit`.
public protocol H5Object: ~Copyable {
    /// The file the object lives in, as it was opened.
    var filePath: String { get }
    /// The object's path inside the file, e.g. `/spikes/layer00.mixer.in_proj` (`/` for the root).
    var objectPath: String { get }
    /// Runs `body` with the raw identifier, which stays owned by `self`: do not close it.
    func withUnsafeID<R: ~Copyable>(_ body: (hid_t) throws -> R) rethrows -> R
}

extension H5Object where Self: ~Copyable {
    /// `file:/object/path`, or just the file for the root: how errors name this object.
    public var location: String { objectPath == "/" ? filePath : filePath + ":" + objectPath }

    /// The path of a member `name` of this object (names may contain `/`).
    func childPath(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return objectPath == "/" ? "/" + name : objectPath + "/" + name
    }

    /// How errors name the member `name`.
    func childLocation(_ name: String) -> String { filePath + ":" + childPath(name) }

    var unsafeID: hid_t { withUnsafeID { $0 } }
}

/// A place that holds named groups and datasets: an `H5File` (its root group) or an `H5Group`.
public protocol H5Container: H5Object, ~Copyable {}

/// What kind of object a link in a group leads to.
public enum H5ObjectKind: Sendable, Equatable {
    case group, dataset, datatype, other
}
