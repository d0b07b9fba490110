import CHDF5
import Foundation

/// The one place where HDF5's C failure values become thrown `HDF5Error`s.
///
/// Every C call made by MarsimHDF5 goes through `call` (or `closeQuietly` in a `deinit`), which
/// - turns off HDF5's automatic error-stack printing for the calling thread, once per thread
///   (`H5Eset_auto2`; in thread-safe builds such as Debian's the setting is per thread),
/// - holds a process-wide lock, so HDF5 builds without thread safety (e.g. Homebrew's default)
///   are never entered concurrently, and the error stack read after a failure is this call's,
/// - on failure, reads the error stack (`H5Ewalk2`), clears it (`H5Eclear2`) and throws.
enum HDF5Library {
    /// Recursive, so a handle closed by a `deinit` inside a locked call cannot deadlock.
    private static let lock = NSRecursiveLock()

    /// Runs `body` under the library lock and throws if `failed` says its result is a failure.
    static func call<R>(_ function: String, _ path: String, failed: (R) -> Bool, _ body: () -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        ErrorPrinting.disableForCurrentThread()
        let result = body()
        if failed(result) {
            throw HDF5Error(function: function, path: path, message: ErrorStack.takeMessage())
        }
        return result
    }

    /// A call whose failure is an answer rather than an error (e.g. an enum value without a name):
    /// nil on failure, with the error stack cleared.
    static func attempt<R>(failed: (R) -> Bool, _ body: () -> R) -> R? {
        lock.lock()
        defer { lock.unlock() }
        ErrorPrinting.disableForCurrentThread()
        let result = body()
        if failed(result) {
            H5Eclear2(marsim_H5E_DEFAULT())
            return nil
        }
        return result
    }

    /// A call returning an identifier (`hid_t`); negative means failure.
    @discardableResult
    static func id(_ function: String, _ path: String, _ body: () -> hid_t) throws -> hid_t {
        try call(function, path, failed: { $0 < 0 }, body)
    }

    /// A call returning a status (`herr_t`); negative means failure.
    static func status(_ function: String, _ path: String, _ body: () -> herr_t) throws {
        _ = try call(function, path, failed: { $0 < 0 }, body)
    }

    /// A call returning a tri-state (`htri_t`): negative is failure, zero false, positive true.
    static func truth(_ function: String, _ path: String, _ body: () -> htri_t) throws -> Bool {
        try call(function, path, failed: { $0 < 0 }, body) > 0
    }

    /// A call returning a size or count (`ssize_t`, `int`); negative means failure.
    static func count<I: BinaryInteger>(_ function: String, _ path: String, _ body: () -> I) throws -> Int {
        Int(try call(function, path, failed: { $0 < 0 }, body))
    }

    /// Closes a handle from a `deinit`, where nothing can be thrown: a failure is dropped.
    static func closeQuietly(_ body: () -> herr_t) {
        lock.lock()
        defer { lock.unlock() }
        ErrorPrinting.disableForCurrentThread()
        if body() < 0 { H5Eclear2(marsim_H5E_DEFAULT()) }
    }
}

/// Turns off HDF5's automatic printing of the error stack to stderr, once per thread.
private enum ErrorPrinting {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    static func disableForCurrentThread() {
        guard pthread_getspecific(key) == nil else { return }
        H5Eset_auto2(marsim_H5E_DEFAULT(), nil, nil)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
    }
}

/// Reads the current thread's HDF5 error stack into one line.
private enum ErrorStack {
    /// The outermost description (what the API call was doing) and the innermost (the cause),
    /// joined by ": "; then clears the stack.
    static func takeMessage() -> String {
        final class Collector { var descriptions: [String] = [] }
        let collector = Collector()
        let walker: H5E_walk2_t = { _, error, context in
            guard let error, let context else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
            let text = error.pointee.desc.map { String(cString: $0) } ?? ""
            let function = error.pointee.func_name.map { String(cString: $0) } ?? ""
            collector.descriptions.append(text.isEmpty ? function : text)
            return 0
        }
        withExtendedLifetime(collector) {
            _ = H5Ewalk2(marsim_H5E_DEFAULT(), H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(collector).toOpaque())
        }
        H5Eclear2(marsim_H5E_DEFAULT())
        let parts = collector.descriptions.filter { !$0.isEmpty }
        guard let first = parts.first, let last = parts.last else { return "no message on the HDF5 error stack" }
        return first == last ? first : first + ": " + last
    }
}
