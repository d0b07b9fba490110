import Foundation
import MarsimCLI

// A write beyond a file-size limit (`ulimit -f`) then fails with EFBIG and a one-line error that
// leaves the output as it was, instead of SIGXFSZ killing the process half-way through a file.
signal(SIGXFSZ, SIG_IGN)
// `marsim trace` and `marsim energy` read untrusted HDF5 files in a child process (see CrashIsolation).
CrashIsolation.enabled = true

#if os(Linux)
/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt") func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

// Chunked runs allocate and free multi-megabyte activation buffers for every layer. glibc would
// serve each from fresh mmap'ed pages that the kernel zeroes (5–6% of a 1B-model spiking run);
// keeping such blocks in the heap lets the next layer reuse them. (-3: M_MMAP_THRESHOLD, -1: M_TRIM_THRESHOLD.)
_ = glibcMallopt(-3, 512 << 20)
_ = glibcMallopt(-1, 1 << 30)
#endif

MarsimCommand.main()
