/// Colours for series and segments: the Okabe–Ito colour-blind-safe set, most distinct first.
public enum Palette {
    public static let colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442"]

    /// The colour for the `index`-th series (cycles after eight).
    public static func color(_ index: Int) -> String { colors[index % colors.count] }

    /// Positive spikes (+1) in rasters.
    public static let positive = "#D55E00"
    /// Negative spikes (−1) in rasters.
    public static let negative = "#0072B2"
    /// Highlighted reference points (e.g. the dense model).
    public static let highlight = "#000000"
}
