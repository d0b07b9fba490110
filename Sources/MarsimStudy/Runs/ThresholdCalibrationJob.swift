import Foundation
import MarsimCheckpoint
import MarsimCore
import MarsimEngine
import MarsimReport

/// What `marsim calibrate` does once its options are parsed: calibrate a placement's thresholds by
/// a rule on a window of tokens (site after site, `SequentialCalibration`), write them as a
/// learned-threshold file that `simulate --thresholds` reads back bit for bit, and report.
public enum ThresholdCalibrationJob {
    /// Calibrates `placement`'s sites of `checkpoint` on `window`, writes the file `out` and returns the report.
    public static func run(checkpoint: Checkpoint, window: CalibrationTokens, placement specification: String, parameters: ATMNParameters,
                           rule: CalibrationRule, threads: Int, out: String) throws -> CalibrationReport {
        let placement = try Placement(specification, shape: checkpoint.model.shape)
        guard !placement.sites.isEmpty else { throw CLIError("placement '\(placement.specification)' has no spiking sites to calibrate") }
        var stopwatch = Stopwatch()
        let result = try SequentialCalibration.run(model: checkpoint.model, tokens: window.ids, sites: placement.sites,
                                                   parameters: parameters, rule: rule, sourceName: window.sourceName,
                                                   threads: threads, progress: note)
        let seconds = stopwatch.lap()
        try result.thresholds.write(to: out, sites: placement.sites, metadata: [
            "rule": rule.kind.rawValue, "timesteps": "\(parameters.timesteps)", "tau": "\(parameters.tau)", "placement": placement.specification,
            "checkpoint": checkpoint.directory.path, "calibration": window.sourceName,
        ])
        return CalibrationReport(result: result, rule: rule, parameters: parameters, placement: placement.specification,
                                 checkpoint: checkpoint.directory.path, calibration: window.sourceName,
                                 tokens: window.ids.count, out: out, seconds: seconds)
    }
}
