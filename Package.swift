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
    ],
    targets: [
        // The only place C is imported: Debian's liblmdb-dev, found through pkg-config.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"]), .brew(["lmdb"])]
        ),
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        .target(name: "JourneyStore", dependencies: ["LMDB", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "journey",
            dependencies: [
                "JourneyStore",
                "LMDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"]),
        .testTarget(name: "JourneyStoreTests", dependencies: ["JourneyStore", "LMDB", "journey"]),
    ],
    swiftLanguageModes: [.v6]
)
