import ArgumentParser
import MarsimStudy

/// `--slurm --shards N [--partition P --time T --mem M] [--dry-run]`: submit a study to Slurm
/// instead of running it here (`SlurmSubmission`).
struct SlurmOptions: ParsableArguments {
    @Flag(help: "Submit the study to Slurm: a job array of --shards shards, then a merge job that runs once all succeed (afterok).")
    var slurm = false

    @Option(help: ArgumentHelp("With --slurm: how many shards (array tasks) to split the study into.", valueName: "n"))
    var shards: Int?

    @Option(help: ArgumentHelp("With --slurm: the Slurm partition (sbatch --partition).", valueName: "name"))
    var partition: String?

    @Option(help: ArgumentHelp("With --slurm: each job's time limit (sbatch --time, e.g. 2:00:00).", valueName: "time"))
    var time: String?

    @Option(help: ArgumentHelp("With --slurm: each job's memory (sbatch --mem, e.g. 8G).", valueName: "size"))
    var mem: String?

    @Option(help: ArgumentHelp("With --slurm: the marsim executable the jobs run (default: this one).", valueName: "path"))
    var marsimExecutable: String?

    @Flag(help: "With --slurm: print the batch scripts and sbatch commands; submit nothing.")
    var dryRun = false

    /// Cross-checks with `--shard` (a submission makes its own shards).
    func validate(shard: String?) throws {
        if slurm {
            guard let shards, shards >= 1 else { throw ValidationError("Please give --shards N (N ≥ 1) with --slurm.") }
            guard shard == nil else { throw ValidationError("Please give either --slurm (which makes the shards) or --shard K/N, not both.") }
            for (name, value) in [("partition", partition), ("time", time), ("mem", mem)] {
                if let value, value.isEmpty || value.contains(where: { $0.isNewline }) {
                    throw ValidationError("Please give --\(name) as one line of text.")
                }
            }
        } else if shards != nil || partition != nil || time != nil || mem != nil || dryRun || marsimExecutable != nil {
            throw ValidationError("Please add --slurm to use --shards, --partition, --time, --mem, --marsim-executable or --dry-run.")
        }
    }
}

extension SlurmOptions: SlurmRequest {}
