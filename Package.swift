// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pgcutover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pgcutover", targets: ["pgcutover"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.25.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.1"),
    ],
    targets: [
        // libpg_query from Debian's libpg-query-dev: Postgres's own grammar.
        .systemLibrary(
            name: "CPgQuery",
            path: "Sources/CPgQuery",
            providers: [.apt(["libpg-query-dev"])]
        ),
        .target(
            name: "WireProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Rewriter",
            dependencies: [
                "CPgQuery",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // Rewrite cost per statement shape, uncached and on a hit of the proxy's cache
        // (docs/rewriter.md); release builds only.
        .executableTarget(
            name: "rewriter-benchmark",
            dependencies: ["Rewriter", "Proxy"],
            path: "Sources/RewriterBenchmark",
            swiftSettings: strict
        ),
        // The floor under the proxy benchmark: a byte relay on SwiftNIO with nothing of pgcutover
        // in it, run beside pgcutover by scripts/bench-proxy.sh (docs/benchmarks.md).
        .executableTarget(
            name: "relay-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/RelayFloor",
            swiftSettings: strict
        ),
        .target(
            name: "Proxy",
            dependencies: [
                "WireProtocol",
                "Rewriter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Migrator",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pgcutover",
            dependencies: [
                "Proxy",
                "Migrator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WireProtocolTests",
            dependencies: [
                "WireProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ProxyTests",
            dependencies: [
                "Proxy",
                "WireProtocol",
                "Migrator",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MigratorTests",
            dependencies: [
                "Migrator",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RewriterTests",
            dependencies: ["Rewriter"],
            // SQL inputs read from the source tree by path, not bundled resources.
            exclude: ["Golden", "Fixtures"],
            swiftSettings: strict
        ),
        // Fuzzing (docs/fuzzing.md): the entry points, libFuzzer's driver, and the corpus replayed as tests.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "WireProtocol",
                "Rewriter",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pgcutover-fuzz",
            dependencies: ["FuzzTargets"],
            path: "Sources/FuzzDriver",
            swiftSettings: strict
        ),
        .testTarget(
            name: "FuzzTests",
            dependencies: [
                "FuzzTargets",
                "WireProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/Fuzz",
            // Inputs read from the source tree by path.
            exclude: ["corpus", "regressions", "rewriter.dict"],
            swiftSettings: strict
        ),
    ]
)
