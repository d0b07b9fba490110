import ArgumentParser
import Foundation
import MarsimReport
import MarsimStudy

/// `marsim merge`: put the shards of a study back together into what the unsharded command writes.
public struct MergeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of a whatif or eval study (--shard K/N) into what the unsharded run writes.",
        discussion: """
        Each SHARD is a shard folder (it holds shard.json) or a folder of them. The shards must belong \
        to one study (same command, settings and input content), every shard 0…N−1 must be there once, \
        and no file a shard wrote may have changed since (their digests are in shard.json); otherwise \
        the merge stops with one line saying which.

        whatif: writes OUT/results.csv and the plots, and OUT/traces/NAME.h5 as HDF5 virtual datasets \
        over the shards' traces (nothing is copied; keep the shard folders). eval: writes \
        OUT/results.json, with accuracy recomputed from the items' log-likelihoods.

        Examples (a study of two shards, and the eval example's shard 0/2 with its partner):
          marsim whatif --text-file FILE --out study/shards/shard-0 --shard 0/2
          marsim whatif --text-file FILE --out study/shards/shard-1 --shard 1/2
          marsim merge --out DIR DIR/shards --overwrite
          marsim eval --tasks Tests/Fixtures/mc/pydoc-mc.jsonl --limit 6 --mode dense \\
              --output-path traces/eval-s1 --shard 1/2
          marsim merge --out traces/eval-merged traces/eval-s0 traces/eval-s1
        """
    )

    @Option(help: ArgumentHelp("Where the merged results go (new or empty, unless --overwrite).", valueName: "dir"))
    var out: String

    @Flag(help: "Write into a non-empty --out folder (e.g. the study folder holding shards/).")
    var overwrite = false

    @Argument(help: ArgumentHelp("Shard folders, or folders holding them.", valueName: "shard-dir"))
    var shards: [String]

    public init() {}

    public func run() throws {
        try oneLineErrors {
            try OutputFolder.check(out, overwrite: overwrite)
            let set = try ShardSet.load(shards, missingHint: { SlurmLayout.missingShardHint(shardPaths: shards, shard: $0) })
            try OutputFolder.checkOutside(set, out: out)
            switch set.study.kind {
            case "whatif": try WhatIfStudy.merge(set, out: out)
            case "eval": try EvalStudy.merge(set, out: out)
            default: throw StudyError("\(set.members[0].folder): shards of a '\(set.study.kind)' study, which this marsim cannot merge")
            }
        }
    }
}
