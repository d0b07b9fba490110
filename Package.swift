// swift-tools-version:6.0
// marsim: a neuromorphic simulator for state-space LLMs with a spike-level energy model.
// Targets follow the pipeline: checkpoint → engine → trace → energy → report → study → CLI.
import PackageDescription

let package = Package(
    name: "marsim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "marsim", targets: ["marsim"]),
        .library(name: "MarsimCLI", targets: ["MarsimCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: - Pipeline stages

        /// Shared vocabulary: accounting units, activity counters, the tick schedule, model shape.
        .target(name: "MarsimCore"),
        /// Hugging Face checkpoints: safetensors, config.json, one adapter per architecture.
        .target(name: "MarsimCheckpoint", dependencies: ["MarsimCore"]),
        /// Text → token ids: byte-level fallback and Hugging Face tokenizer.json (byte-level BPE).
        .target(name: "MarsimTokenizer", dependencies: ["MarsimCore"]),
        /// Dense and spiking execution (ATMN neurons, event-driven projections, exact accounting).
        .target(name: "MarsimEngine", dependencies: ["MarsimCore", "MarsimCheckpoint", "COpenBLAS", "CIntrinsics"]),
        /// Spike traces in HDF5 (SONATA layout): streamed, crash-safe, self-sufficient for costing.
        .target(name: "MarsimTrace", dependencies: ["MarsimCore", "MarsimHDF5"]),
        /// Hardware profiles and the energy model: counts × costs → joules per token.
        .target(name: "MarsimEnergy", dependencies: ["MarsimCore", .product(name: "TOMLKit", package: "TOMLKit")]),
        /// How results reach people: tables, JSON conventions, report types of simulate/trace/energy/calibrate,
        /// trace plots, one-line user errors and stderr notes. No argument parsing.
        .target(name: "MarsimReport", dependencies: ["MarsimCore", "MarsimEngine", "MarsimTrace", "MarsimEnergy", "MarsimPlot"]),
        /// Studies: the what-if sweep and its outputs, shards (`--shard K/N`) and their merge, Slurm
        /// submission, and the inputs runs share (text → tokens, calibration windows, interruption).
        .target(name: "MarsimStudy", dependencies: [
            "MarsimCore", "MarsimCheckpoint", "MarsimTokenizer", "MarsimEngine", "MarsimTrace", "MarsimHDF5", "MarsimEnergy", "MarsimPlot",
            "MarsimReport",
        ]),
        /// Benchmarks: synthetic models, machine limits (bandwidth, adds), timing rounds, real checkpoints.
        .target(name: "MarsimBench", dependencies: ["MarsimCore", "MarsimCheckpoint", "MarsimEngine", "MarsimTrace"]),
        /// Small SVG charts (scatter, stacked bars, spike raster) for what-if studies and traces.
        .target(name: "MarsimPlot"),
        /// The `marsim` commands, as a library so tests can drive them: options, their validation, and
        /// calls into the stages above; the smallest stage.
        .target(
            name: "MarsimCLI",
            dependencies: [
                "MarsimCore", "MarsimCheckpoint", "MarsimTokenizer", "MarsimEngine", "MarsimTrace", "MarsimEnergy", "MarsimPlot", "MarsimReport", "MarsimStudy", "MarsimBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "marsim", dependencies: ["MarsimCLI"]),

        // MARK: - Implementation details

        /// The HDF5 C library (Debian: libhdf5-dev, pkg-config `hdf5-serial`) with shims for its macros.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        /// OpenBLAS's CBLAS constants and SGEMM signature; the library (Debian: libopenblas0, from
        /// libopenblas-dev) is loaded at run time after marsim picks its kernel family (GEMMKernels.swift).
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        /// Processor hints Swift cannot spell (a cache-line prefetch), as static inline C functions.
        .target(name: "CIntrinsics"),
        /// A small safe Swift layer over CHDF5: typed handles, errors from the HDF5 error stack.
        .target(name: "MarsimHDF5", dependencies: ["CHDF5"]),

        // MARK: - Unit test bundles

        /// Helpers shared by the test targets (a seeded PRNG, a safetensors writer, synthetic checkpoints); not part of marsim.
        .target(name: "MarsimTestSupport", dependencies: ["MarsimCheckpoint"], path: "Tests/MarsimTestSupport"),

        .testTarget(name: "MarsimCheckpointTests", dependencies: ["MarsimTestSupport", "MarsimCheckpoint"]),
        .testTarget(name: "MarsimTokenizerTests", dependencies: ["MarsimTokenizer"]),
        .testTarget(name: "MarsimEngineTests", dependencies: ["MarsimTestSupport", "MarsimEngine", "MarsimCheckpoint"]),
        .testTarget(name: "MarsimHDF5Tests", dependencies: ["MarsimHDF5"]),
        .testTarget(name: "MarsimTraceTests", dependencies: ["MarsimTestSupport", "MarsimTrace", "MarsimHDF5", "MarsimEnergy"]),
        .testTarget(name: "MarsimEnergyTests", dependencies: ["MarsimEnergy"]),
        .testTarget(name: "MarsimPlotTests", dependencies: ["MarsimPlot"]),
        .testTarget(name: "MarsimStudyTests", dependencies: ["MarsimTestSupport", "MarsimStudy", "MarsimCheckpoint", "MarsimReport"]),
        .testTarget(name: "MarsimReportTests", dependencies: ["MarsimReport", "MarsimHDF5"]),
        .testTarget(name: "MarsimCLITests", dependencies: [
            "MarsimTestSupport", "MarsimCLI", "MarsimCore", "MarsimCheckpoint", "MarsimReport", "MarsimStudy",
        ]),
    ]
)
