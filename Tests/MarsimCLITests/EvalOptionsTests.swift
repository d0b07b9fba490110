import Foundation
@testable import MarsimCLI
import MarsimStudy
import Testing

/// eval's command line: several task files and several T's in one run, said plainly when they
/// clash; the single-configuration commands refuse a T list.
@Suite("eval options")
struct EvalOptionsTests {
    static let fixture = InspectCommandTests.repoRoot.appendingPathComponent("Tests/Fixtures/mc/pydoc-mc.jsonl").path

    @Test("--tasks takes repeated files and comma lists, in order")
    func severalTaskFiles() throws {
        let command = try EvalCommand.parse(["--tasks", "a.jsonl,dir/b.jsonl", "--tasks", " c.jsonl", "--mode", "dense"])
        #expect(command.taskFiles == ["a.jsonl", "dir/b.jsonl", "c.jsonl"])
        #expect(command.taskFiles.map(EvalTask.name(of:)) == ["a", "b", "c"])
    }

    @Test("A file given twice, or two files with one task name, is refused naming both")
    func clashingTasks() {
        CLI.expectFailure(["eval", "--tasks", Self.fixture, "--tasks", Self.fixture], "each --tasks file once (\(Self.fixture) is given twice)")
        CLI.expectFailure(["eval", "--tasks", "x/pydoc-mc.jsonl," + Self.fixture],
                          "distinct names: x/pydoc-mc.jsonl and \(Self.fixture) are both task 'pydoc-mc'")
    }

    @Test("--timesteps takes a list of distinct T's in eval; simulate and generate take one")
    func timestepLists() throws {
        let command = try EvalCommand.parse(["--tasks", Self.fixture, "-T", "2, 4,8"])
        #expect(command.spiking.timestepList.values == [2, 4, 8])
        #expect(command.spiking.at(timesteps: 8).parameters.timesteps == 8)
        #expect(command.spiking.timesteps == 2)
        #expect(try EvalCommand.parse(["--tasks", Self.fixture]).spiking.timestepList.values == [4])
        CLI.expectFailure(["eval", "--tasks", Self.fixture, "-T", "2,2"], "distinct --timesteps values (got 2,2)")
        CLI.expectFailure(["eval", "--tasks", Self.fixture, "-T", "2,x"], "invalid for '-T <T>'")
        CLI.expectFailure(["eval", "--tasks", Self.fixture, "-T", "2,0"], "between 1 and 255")
        CLI.expectFailure(["eval", "--tasks", Self.fixture, "-T", "2,4", "--mode", "dense"], "one --timesteps value with --mode dense")
        CLI.expectFailure(["simulate", "--text", "hi", "-T", "2,4"], "one --timesteps value (got 2,4)")
        CLI.expectFailure(["generate", "--prompt", "hi", "-T", "2,4"], "one --timesteps value (got 2,4)")
    }

    @Test("Shards take the study's items task after task")
    func sharesSpanTasks() throws {
        func task(_ n: Int) -> EvalTask {
            EvalTask(name: "t\(n)", file: "t\(n).jsonl", fileItems: n,
                     items: Array(repeating: .init(context: [1], choices: [[2]], choiceBytes: [1], label: 0), count: n))
        }
        let tasks = [task(3), task(4)]
        // Units 0 1 2 | 3 4 5 6: shard 0/2 owns 0, 2 | 4, 6 → task 0 items 0, 2; task 1 items 1, 3.
        #expect(EvalTask.share(of: tasks, shard: try ShardSpec(index: 0, count: 2)) == [[0, 2], [1, 3]])
        #expect(EvalTask.share(of: tasks, shard: try ShardSpec(index: 1, count: 2)) == [[1], [0, 2]])
        #expect(EvalTask.share(of: tasks, shard: nil) == [[0, 1, 2], [0, 1, 2, 3]])
    }
}
