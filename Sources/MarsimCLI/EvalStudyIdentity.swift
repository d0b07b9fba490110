import Foundation
import MarsimCheckpoint
import MarsimEnergy
import MarsimEngine
import MarsimStudy

/// What identifies an eval from its options as typed: lm-eval's `model_args` and the study identity
/// shards are checked against.
extension EvalCommand {
    /// lm-eval's `model_args` for this run: the checkpoint and the spiking settings (with several
    /// T's, `timesteps=2|4|8`, each result's threshold source in its config's `metadata`).
    func modelArguments(checkpoint: Checkpoint, thresholdSources: [String]) -> String {
        var args = ["checkpoint=\(checkpoint.directory.path)", "mode=\(mode.rawValue)", "chunk=\(execution.chunk)"]
        if mode != .dense {
            args += ["timesteps=" + spiking.timestepList.values.map(String.init).joined(separator: "|"), "tau=\(spiking.tau)",
                     "neuron=\(spiking.neuron)", "placement=\(spiking.placement)"]
            if thresholdSources.count == 1 { args.append("thresholds=\(thresholdSources[0])") }
        }
        return args.joined(separator: ",")
    }

    /// The eval this command runs, whatever shard of it: the task files' content, the item count,
    /// the checkpoint's and profiles' content, and every setting that changes a score or a cost.
    func studyIdentity(checkpoint: Checkpoint, profiles: [HardwareProfile], items: Int) throws -> StudyIdentity {
        let sidecar = checkpoint.directory.appendingPathComponent(ThresholdSet.sidecarName).path
        var p: [String: String] = [
            "checkpoint_digest": checkpoint.identity(cache: execution.columnCache).contentHash,
            "tasks_digest": try taskFiles.map { EvalTask.name(of: $0) + "=" + (try ContentDigest.ofFile($0)) }.joined(separator: ","),
            "limit": limit.map(String.init) ?? "all",
            "mode": mode.rawValue,
            "chunk": String(execution.chunk),
            "delivery": execution.delivery.rawValue,
        ]
        if mode != .dense {
            p["timesteps"] = spiking.timestepList.description
            p["tau"] = "\(spiking.tau)"
            p["neuron"] = "\(spiking.neuron) reset \(spiking.reset.rawValue) spike_bits \(spiking.spikeBits)"
            p["placement"] = spiking.placement
            p["thresholds_digest"] = try spiking.thresholds.map(ContentDigest.ofFile)
                ?? (FileManager.default.fileExists(atPath: sidecar) ? "sidecar " + ContentDigest.ofFile(sidecar) : "none")
            p["calibration_text_digest"] = try spiking.calibrationText.map(ContentDigest.ofFile) ?? "none"
            p["calibration"] = "\(spiking.calibrationRule.rawValue) q \(spiking.calibrationQuantile) skip \(spiking.calibrationSkip) limit \(spiking.calibrationLimit)"
            p["calibration_output_rule"] = spiking.learning.settings.summary
            p["threshold"] = "\(spiking.threshold.map { "\($0)" } ?? "default calibration") scale \(spiking.thresholdScale)"
        }
        p["profiles"] = try profiles.map { "\($0.name)=" + (try $0.file.map(ContentDigest.ofFile) ?? "built-in") }.joined(separator: ",")
        return StudyIdentity(kind: "eval", parameters: p, units: items)
    }
}
