// swift-tools-version: 6.1
// The benchmarks live in their own package so that `swift test` in the main one never builds the
// harness. Run from this directory: `swift package benchmark` (see ../README.md, Performance).
import PackageDescription

let package = Package(
    name: "JourneyStoreBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "JourneyStore", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "JourneyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JourneyStore", package: "JourneyStore"),
                .product(name: "LMDB", package: "JourneyStore"),
            ],
            path: "Benchmarks/JourneyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The steady state of a 10 M-event store; its own target, as its fixture takes minutes to make.
        .executableTarget(
            name: "SteadyStateBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JourneyStore", package: "JourneyStore"),
            ],
            path: "Benchmarks/SteadyStateBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
