import Foundation
import MarsimCLI

// A write beyond a file-size limit (`ulimit -f`) then fails with EFBIG and a one-line error that
// leaves the output as it was, instead of SIGXFSZ killing the process half-way through a file.
signal(SIGXFSZ, SIG_IGN)
MarsimCommand.main()
