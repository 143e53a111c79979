// swift-tools-version: 6.1
// libFuzzer targets for JourneyStore's decoders and parsers (issue 16), built and run by tools/fuzz
// with -sanitize=fuzzer,address and -enable-testing (the checks use internal types). Its own package,
// as Benchmarks/ is, so that `swift test` never builds it.
import PackageDescription

let targets = ["FuzzJSONL", "FuzzFilter", "FuzzPlan", "FuzzEventRecord", "FuzzFacts"]

let package = Package(
    name: "JourneyFuzzing",
    dependencies: [.package(name: "JourneyStore", path: "../..")],
    targets: [
        // Sources/FuzzChecks/FuzzChecks.swift is a symlink to Tests/JourneyStoreTests/FuzzChecks.swift:
        // the checks libFuzzer runs are the ones the regression tests run.
        .target(name: "FuzzChecks", dependencies: [.product(name: "JourneyStore", package: "JourneyStore")]),
        .systemLibrary(name: "CLibFuzzer"),
    ] + targets.map { .executableTarget(name: $0, dependencies: ["FuzzChecks", "CLibFuzzer"]) },
    swiftLanguageModes: [.v6]
)
