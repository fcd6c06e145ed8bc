// swift-tools-version:6.2
import PackageDescription

/// One set of compiler settings for every target of ours (dependencies keep their own).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // CI builds what users build: a new warning fails the build instead of scrolling past.
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "PowerWalk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "powerwalkd", targets: ["powerwalkd"]),
        .executable(name: "pwctl", targets: ["pwctl"]),
        .executable(name: "pwbench", targets: ["pwbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // MARK: Core (pure Swift, standard library only)
        .target(name: "PPRCore", swiftSettings: swiftSettings),

        // MARK: C libraries (system libraries and generated code; only the wrappers below import them)
        .systemLibrary(name: "CLMDB", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CNNG", providers: [.apt(["libnng-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // A header-only prefetch hint (no library).
        .systemLibrary(name: "CPrefetch"),
        .target(
            name: "CPPRProto",
            cSettings: [.unsafeFlags(["-Wno-everything"])],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),

        // MARK: Thin safe wrappers (the only Swift that sees C)
        .target(name: "LMDB", dependencies: ["CLMDB"], swiftSettings: swiftSettings),
        .target(name: "NNG", dependencies: ["CNNG"], swiftSettings: swiftSettings),
        .target(name: "Gzip", dependencies: ["CZlib"], swiftSettings: swiftSettings),

        // MARK: Schema modules
        .target(
            name: "PPRStorage", dependencies: ["PPRCore", "LMDB", "Gzip", "CPrefetch"], swiftSettings: swiftSettings),
        .target(name: "PPRWire", dependencies: ["PPRCore", "NNG", "CPPRProto"], swiftSettings: swiftSettings),

        // MARK: Service roles and CLI
        .target(
            name: "PPRService",
            dependencies: [
                "PPRCore", "PPRStorage", "PPRWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Observability plumbing kept out of PPRService: the HTTP probe/metrics listener (SwiftNIO),
        // the Prometheus registry behind swift-metrics, and the JSON log handler.
        .target(
            name: "PPRObservability",
            dependencies: [
                "PPRCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PPRCLI",
            dependencies: [
                "PPRCore", "PPRStorage", "PPRWire", "PPRService", "PPRObservability",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Executables (powerwalkd and pwctl are @main only; pwbench also holds its benchmark commands)
        .executableTarget(
            name: "powerwalkd",
            dependencies: ["PPRCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pwctl",
            dependencies: ["PPRCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pwbench",
            dependencies: [
                "PPRCLI", "PPRCore", "PPRStorage", "PPRService", "PPRWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "PPRCoreTests",
            dependencies: ["PPRCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"], swiftSettings: swiftSettings),
        // Helpers shared by several test targets (certificates made with deploy/tls/make-certs.sh).
        .target(name: "PPRTestSupport", path: "Tests/PPRTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "NNGTests", dependencies: ["NNG", "PPRTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PPRStorageTests",
            dependencies: ["PPRStorage", "PPRCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PPRWireTests", dependencies: ["PPRWire", "PPRCore", "PPRTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PPRObservabilityTests",
            dependencies: ["PPRObservability", "PPRTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PPRServiceTests",
            dependencies: ["PPRService", "PPRStorage", "PPRWire", "PPRCore", "PPRTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PPRCLITests",
            dependencies: [
                "PPRCLI", "PPRCore", "PPRService", "PPRStorage", "PPRWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            // Only the wire types, for raw requests, and the shared test helpers; the binaries under test are
            // products of this package, which `swift test` builds before the tests run (Support/Binaries.swift).
            dependencies: ["PPRCore", "PPRWire", "PPRTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
