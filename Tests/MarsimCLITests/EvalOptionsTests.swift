import Foundation
@testable import MarsimCLI
import Testing

/// eval's command line: one task file per run, said plainly rather than the last `--tasks` winning.
@Suite("eval options")
struct EvalOptionsTests {
    @Test("A second --tasks is refused with a message naming both files; one is accepted")
    func oneTaskFile() throws {
        let fixture = InspectCommandTests.repoRoot.appendingPathComponent("Tests/Fixtures/mc/pydoc-mc.jsonl").path
        CLI.expectFailure(["eval", "--tasks", fixture, "--tasks", "other.jsonl", "--mode", "dense"],
                          "one --tasks file per run (got 2: \(fixture), other.jsonl)")
        let command = try EvalCommand.parse(["--tasks", fixture, "--mode", "dense"])
        #expect(command.tasks == fixture)
    }
}
