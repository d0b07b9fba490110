import Foundation
import MarsimCLI

// A write beyond a file-size limit (`ulimit -f`) then fails with EFBIG and a one-line error that
// leaves the output as it was, instead of SIGXFSZ killing the process half-way through a file.
signal(SIGXFSZ, SIG_IGN)
// `marsim trace` and `marsim energy` read untrusted HDF5 files in a child process (see CrashIsolation).
CrashIsolation.enabled = true
MarsimCommand.main()
