// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // C libraries, each with a shim for what Swift cannot call directly.
        .systemLibrary(
            name: "CLibpq", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),

        // Linux calls Glibc's Swift module leaves out (epoll, eventfd, accept4).
        .target(name: "CSystem"),
        // Bytes -> requests: a pure parser and connection state machine; no sockets, no Foundation.
        .target(name: "HTTP1", swiftSettings: strict),
        // Strict JSON: duplicate keys, depth and UTF-8 checked; canonical output for hashing.
        .target(name: "JSON", swiftSettings: strict),
        // The domain: money, ROI metrics, stages, authorization rules. Pure values and functions.
        .target(name: "Governance", swiftSettings: strict),
        // Metrics registry and JSON log lines, shared by the server and the database layer.
        .target(
            name: "Telemetry",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // epoll loops, timers, worker pool, router, graceful shutdown.
        .target(
            name: "HTTPServer",
            dependencies: ["HTTP1", "CSystem", "Telemetry", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // libpq: queries with bound parameters, pool, transactions, LISTEN, migrations, embedded cluster.
        .target(
            name: "Postgres",
            dependencies: [
                "CLibpq",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // SQL for the domain: records, the audit chain, the event log, idempotency.
        .target(
            name: "Store",
            dependencies: [
                "Postgres", "JSON", "Governance",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Webhook delivery: signing, the address guard, the curl multi sender, the dispatcher.
        .target(
            name: "Webhooks",
            dependencies: [
                "CCurl", "Store", "Postgres", "JSON", "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // The /v1 handlers: decode, authorize, call the domain and the store, encode.
        .target(
            name: "API",
            dependencies: [
                "HTTPServer", "Store", "Governance", "JSON", "Postgres", "Telemetry", "Webhooks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // The application: configuration, routes, wiring. The executable is a thin shell over it.
        .target(
            name: "Tollgate",
            dependencies: [
                "HTTPServer", "Postgres", "Telemetry", "CCurl", "API", "Store", "Webhooks",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "Tollgate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        .testTarget(name: "GovernanceTests", dependencies: ["Governance"], swiftSettings: strict),
        .testTarget(name: "WebhooksTests", dependencies: ["Webhooks"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: strict),
        // The throwaway PostgreSQL cluster every database test shares, started like the embedded default.
        .target(
            name: "TestSupport", dependencies: ["Postgres", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "Tollgate", "HTTPServer", "Postgres", "TestSupport", "JSON", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
    ]
)
