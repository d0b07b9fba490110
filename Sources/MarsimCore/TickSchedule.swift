/// The order in which spiking work happens inside a token, which is also how traces timestamp it.
///
/// For token `k`, spiking sites run one after another in model order (layer 0's sites in forward
/// order, then layer 1's, …, then `lm_head` if it spikes); each site runs its `timesteps` ticks
/// before the next site starts (a site's input depends on the previous site's output). So a token
/// spans `sites × timesteps` ticks, and tick `t` of site `s` in token `k` happens at global tick
/// `k · sites · timesteps + s · timesteps + t`, i.e. at `globalTick × tickPeriodMs` milliseconds.
public struct TickSchedule: Sendable, Equatable, Codable {
    /// Number of spiking sites per token.
    public var sitesPerToken: Int
    /// T: ticks each site runs per token.
    public var timesteps: Int
    /// The duration of one tick, in milliseconds (a run setting; stored in traces).
    public var tickPeriodMs: Double

    public init(sitesPerToken: Int, timesteps: Int, tickPeriodMs: Double) {
        self.sitesPerToken = sitesPerToken
        self.timesteps = timesteps
        self.tickPeriodMs = tickPeriodMs
    }

    /// Ticks in one token.
    public var ticksPerToken: Int { sitesPerToken * timesteps }

    /// The global tick index of tick `tick` of site `site` in token `token`.
    public func globalTick(token: Int, site: Int, tick: Int) -> Int {
        (token * sitesPerToken + site) * timesteps + tick
    }

    /// The time of that tick in milliseconds.
    public func timeMs(token: Int, site: Int, tick: Int) -> Double {
        Double(globalTick(token: token, site: site, tick: tick)) * tickPeriodMs
    }

    /// How long one token takes under this schedule, in seconds.
    public var secondsPerToken: Double { Double(ticksPerToken) * tickPeriodMs / 1000 }
}
