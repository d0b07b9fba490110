import MarsimCore
import MarsimHDF5

/// The marsim trace file format, version 1.3 (1.0 plus `tokens/chunk_length` and
/// `tokens/weights_read_shared` in 1.1; plus `/marsim/neuron` and the counter `spike_payload_bits` in
/// 1.2; in 1.3 the counter `membrane_updates`, and `synaptic_ops`/`dense_macs` renamed `acs`/`macs`;
/// readers read 1.0 to 1.2 files too, 1.0 and 1.1 as ATMN runs, the old counter names by `Counter.formerName`): one HDF5 file per run, readable as a SONATA spike
/// file by third-party tools (libsonata's `SpikeReader`, bmtk) and self-sufficient for costing:
/// the energy model needs nothing but the trace.
///
/// All numbers are stored little-endian; all strings (attributes and datasets) are variable-length
/// UTF-8, as h5py writes `str`.
///
/// ## Root (SONATA)
/// | attribute  | type        | value                                                  |
/// |------------|-------------|--------------------------------------------------------|
/// | `magic`    | uint32      | `0x0A7A`                                               |
/// | `version`  | uint32 × 2  | `[0, 1]` (the SONATA spike-file version)               |
///
/// ## `/spikes/<population>/` (SONATA; at `counts` level `/spikes` exists and is empty)
/// One population per spiking site, named by `AccountingUnit.name` (e.g. `layer03.mixer.in_proj`),
/// in `RunMetadata.spikingSites` order. Datasets are parallel (event `e` is row `e` of each),
/// extendable and chunked (`eventChunkRows` rows). Filters depend on `SpikeCompression`:
/// `portable` (default) uses only filters every HDF5 build has (integer scale-offset on
/// `node_ids` and `polarity`, raw `timestamps`), so libsonata's pip wheels (HDF5 without zlib)
/// read them; `deflate` shuffles and deflates all three.
/// | name         | type    | shape | meaning                                                       |
/// |--------------|---------|-------|---------------------------------------------------------------|
/// | `node_ids`   | uint64  | [E]   | the input channel (neuron) that fired                          |
/// | `timestamps` | float64 | [E]   | `TickSchedule.timeMs(token: position, site:, tick:)`; attribute `units` = `"ms"` |
/// | `polarity`   | int8    | [E]   | the event's payload: ±1 (ternary), +1 (binary), 1 ≤ \|q\| ≤ `max_payload` (graded); an extra dataset SONATA readers ignore |
/// The group carries attribute `sorting`: an HDF5 enum over uint8 {`none` 0, `by_id` 1,
/// `by_time` 2} = `by_time`. Events are appended in time order: tokens in increasing position,
/// ticks in non-decreasing order within a token (ties in the order the engine emitted them,
/// ascending channel).
///
/// ## `/marsim/` (marsim's own; SONATA readers ignore it)
/// Attributes:
/// | attribute          | type       | meaning                                                      |
/// |--------------------|------------|--------------------------------------------------------------|
/// | `format_version`   | uint32 × 2 | `[1, 2]`: this layout; readers accept major version 1        |
/// | `level`            | string     | `events` (spikes + counters) or `counts` (counters only)     |
/// | `marsim_version`   | string     | `RunMetadata.marsimVersion`                                  |
/// | `mode`             | string     | `dense` or `spiking`                                         |
/// | `timesteps`        | int64      | T                                                            |
/// | `tau`              | float64    | the membrane leak divisor                                    |
/// | `placement`        | string     | as the user wrote it                                         |
/// | `threshold_source` | string     | where thresholds came from                                   |
/// | `start_time`       | string     | ISO 8601, from the metadata passed to the writer             |
/// | `sites_per_token`, `schedule_timesteps` | int64 | `TickSchedule` fields                    |
/// | `tick_period_ms`   | float64    | `TickSchedule.tickPeriodMs`                                  |
/// | `tokens_flushed`   | int64      | tokens in the file: readers read this many rows (older writers rewrote it per flush) |
/// | `complete`         | uint8      | `1`; written only by `TraceWriter.finish`, absent otherwise  |
/// | `end_time`         | string     | ISO 8601; written only by `TraceWriter.finish`               |
///
/// `/marsim/checkpoint` (group) attributes: `path`, `content_hash`, `architecture` (strings),
/// `parameter_count`, `d_model`, `layers`, `vocab_size`, `d_inner`, `heads`, `head_dim`, `groups`,
/// `d_state`, `conv_kernel`, `mlp_hidden`, `in_proj_rows` (int64), `tied_head` (uint8 0/1).
///
/// `/marsim/neuron` (group, 1.2; absent before: those runs were ATMN) attributes: `model` (string,
/// the `NeuronRegistry` name), `payload_bits` and `max_payload` (int64); dataset `parameters`
/// (string [P]): the model's own parameters as `name=value`, sorted (e.g. `reset=zero`, `spike_bits=4`).
///
/// Fixed datasets (U units, S spiking sites, F counter fields = `Counter.all`, N input tokens):
/// | path                         | type    | shape  | meaning                                   |
/// |------------------------------|---------|--------|-------------------------------------------|
/// | `units`                      | string  | [U]    | accounting unit names, in counter order   |
/// | `spiking_sites`              | string  | [S]    | spiking site names, in schedule order      |
/// | `counter_fields`             | string  | [F]    | `ActivityCounts.fieldNames`: the counters this file stores, in the order of `dense_baseline`'s columns; readers map counters by name (one absent from an older file is rebuilt by `Counter.derivedWhenAbsent`, else 0) |
/// | `dense_baseline`             | int64   | [U, F] | one dense token's counts per unit (or [0, F]) |
/// | `input_token_ids`            | int64   | [N]    | the run's input                            |
/// | `thresholds/<site name>`     | float32 | [fan-in] | V per input channel of that site         |
///
/// Per-token datasets (K tokens; extendable along K, chunked, shuffled, deflated level 4; row k is the
/// k-th appended token):
/// | path                      | type    | shape  | meaning                                        |
/// |---------------------------|---------|--------|------------------------------------------------|
/// | `tokens/position`         | int64   | [K]    | `TokenActivity.position`, strictly increasing  |
/// | `tokens/token_id`         | int64   | [K]    | the input token id                             |
/// | `tokens/kl_nats`          | float64 | [K]    | KL(dense ‖ spiking); NaN without fidelity      |
/// | `tokens/top1_agrees`      | int8    | [K]    | 1 / 0; −1 when the token has no fidelity       |
/// | `tokens/dense_nll`        | float64 | [K]    | NaN when nil                                   |
/// | `tokens/spiking_nll`      | float64 | [K]    | NaN when nil                                   |
/// | `tokens/chunk_length`     | int64   | [K]    | tokens in the chunk the token ran in: 1 = alone (decode), more = prefill (1.1) |
/// | `tokens/weights_read_shared` | int64 | [K, U] | weight reads with fetches shared by the chunk, split evenly over its tokens (1.1) |
/// | `tokens/event_counts`     | uint64  | [K, S] | events per site per token (`events` level, S > 0): prefix sums give each token's rows in `/spikes/<site>/*` |
/// | `counts/<field>`          | int64   | [K, U] | one dataset per `ActivityCounts.fieldNames` entry |
///
/// ## Crash safety
/// A trace file is written in one go when its run ends, never while the run goes on: during the
/// run, tokens go to the trace's **journal** `<trace>.partial` (`TraceJournal`: an append-only
/// file of checksummed records, one per flush), and `finish`/`publishIncomplete` build this HDF5
/// layout from it under a hidden temporary name beside the trace, then rename it over the trace.
/// So a process killed at any moment leaves the previous file at the trace path (if any) untouched,
/// and a journal whose whole records are exactly the flushed tokens — `TraceReader` reads it
/// (`recoveredFromJournal`), as do `marsim trace` and `marsim energy`. HDF5's own structures are
/// never in a half-written state that anything depends on. Readers still use `tokens_flushed`,
/// not dataset extents, so traces from older writers (killed while flushing) read as before.
///
/// ## Adding a per-token dataset
/// 1. Add the value to `TokenActivity` (MarsimCore) and fill it in the engine.
/// 2. Journal: encode it in `JournalCodec.encode` (append at the end of a token) and decode it in
///    `JournalCodec.decode`; bump `TraceJournal.version` (old journals then read as "not readable
///    by this marsim", which is right: they lack the value).
/// 3. HDF5: add a `BufferedColumn` in `TokenColumns` (create, `add`, `write`), named under
///    `/marsim/tokens/` (or its own group), with `TraceFormat.tokenChunkRows(rowBytes:)`.
/// 4. Reader: check it in `TraceReader.checkTokenTables` (type, width, rows; its stored rows are
///    bounded there by `requireStoredRows`) and add an accessor that reads it through `column`.
/// 5. Document it in the table above and in README's trace layout; bump the minor
///    `formatVersion` (readers accept any 1.x).
/// A token's values are validated in `TraceInputValidation.problem(with:metadata:…)`, used by both
/// the writer (before journaling) and the builder (when replaying a journal from disk).
///
/// ## Determinism
/// Object modification times are not recorded (`H5Pset_obj_track_times` off) and the only
/// times stored are `start_time`/`end_time` from the caller, so identical runs give identical
/// datasets; with the same flush points they give byte-identical files.
public enum TraceFormat {
    /// SONATA's magic number, root attribute `magic`.
    public static let magic: UInt32 = 0x0A7A
    /// SONATA spike-file version, root attribute `version`.
    public static let sonataVersion: [UInt32] = [0, 1]
    /// This layout's version, attribute `/marsim@format_version`: [major, minor].
    public static let formatVersion: [UInt32] = [1, 3]
    /// The members of SONATA's `sorting` enum.
    public static let sortingMembers: [(name: String, value: UInt8)] = [("none", 0), ("by_id", 1), ("by_time", 2)]

    /// Rows per chunk of the event datasets: 32 KiB of node_ids or timestamps. Small enough that
    /// the partly filled last chunk of each population (stored whole) costs little in short
    /// traces; measured long-run size per event is the same as with 16,384 rows.
    static let eventChunkRows = 4096
    /// Target bytes per chunk of the per-token tables (chunk rows = this ÷ row bytes).
    static let tokenChunkBytes = 64 * 1024
    /// Filters on every extendable dataset: shuffle + zlib level 4.
    static let compression = H5Compression.shuffledDeflate(level: 4)

    // Paths.
    static let spikes = "/spikes"
    static let marsim = "/marsim"
    static let checkpoint = "/marsim/checkpoint"
    static let neuron = "/marsim/neuron"
    static let neuronParameters = "/marsim/neuron/parameters"
    static let units = "/marsim/units"
    static let spikingSites = "/marsim/spiking_sites"
    static let counterFields = "/marsim/counter_fields"
    static let denseBaseline = "/marsim/dense_baseline"
    static let inputTokenIDs = "/marsim/input_token_ids"
    static let thresholds = "/marsim/thresholds"
    static let tokens = "/marsim/tokens"
    static let counts = "/marsim/counts"

    static func population(_ site: String) -> String { spikes + "/" + site }
    static func threshold(_ site: String) -> String { thresholds + "/" + site }
    static func counter(_ field: String) -> String { counts + "/" + field }
    static func tokenColumn(_ name: String) -> String { tokens + "/" + name }

    /// Chunk rows for a per-token table whose rows are `rowBytes` long.
    static func tokenChunkRows(rowBytes: Int) -> Int { max(16, tokenChunkBytes / max(1, rowBytes)) }
}
