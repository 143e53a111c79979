// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "JourneyStore",
    products: [
        .library(name: "JourneyStore", targets: ["JourneyStore"]),
        .library(name: "LMDB", targets: ["LMDB"]),
        .executable(name: "journey", targets: ["journey"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `swift package generate-documentation --target JourneyStore` (the catalog is
        // Sources/JourneyStore/JourneyStore.docc); a plugin only, nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The only place C is imported: Debian's liblmdb-dev, found through pkg-config.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]
        ),
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        // Bytes, the event formats, the log and its indexes, the pipelines that drive projections:
        // every pointer of the product lives here, behind bounds-checked views.
        .target(name: "JourneyStorage", dependencies: ["LMDB"]),
        // What the events mean: facts, classification, audiences, exports; the public front door.
        .target(name: "JourneyStore", dependencies: ["JourneyStorage", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "journey",
            dependencies: [
                "JourneyStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers both test targets use.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB", "TestSupport"]),
        .testTarget(name: "JourneyStoreTests", dependencies: ["JourneyStore", "JourneyStorage", "LMDB", "TestSupport", "journey"]),
    ],
    swiftLanguageModes: [.v6]
)
