// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "scritorio",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scritorio", targets: ["scritorio"]),
        .library(name: "ScritorioModels", targets: ["ScritorioModels"]),
        .library(name: "ScritorioCore", targets: ["ScritorioCore"]),
        .library(name: "ScritorioAPI", targets: ["ScritorioAPI"]),
        .library(name: "ScritorioKit", targets: ["ScritorioKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // The value types the SDK and the server share (ids, JSON values, dates, members, entitlement documents);
        // the SDK depends on this, never on the whole domain.
        .target(
            name: "ScritorioModels",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioCore",
            dependencies: [
                "ScritorioModels",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioAPI",
            dependencies: ["ScritorioModels"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioKit",
            dependencies: ["ScritorioAPI", "ScritorioModels", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioStore",
            dependencies: [
                "ScritorioCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioProviders",
            dependencies: [
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "ScritorioCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioSandbox",
            dependencies: [
                "ScritorioCore",
                "ScritorioAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioServer",
            dependencies: [
                "ScritorioCore",
                "ScritorioAPI",
                "ScritorioStore",
                "ScritorioProviders",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // What `scritorio` runs: the server wired to live services or, in the sandbox, to the fakes. The server
        // itself ships without the sandbox; only this assembly (and so the executable and the tests) links it.
        .target(
            name: "ScritorioRuntime",
            dependencies: [
                "ScritorioServer",
                "ScritorioSandbox",
                "ScritorioProviders",
                "ScritorioStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ScritorioTestSupport",
            dependencies: [
                "ScritorioStore", .product(name: "Logging", package: "swift-log"), .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks/ai.sh's floor: the gateway's server and client stack with none of its bookkeeping.
        .executableTarget(
            name: "scritorio-relay-floor",
            dependencies: [
                "ScritorioProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/RelayFloor",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "scritorio",
            dependencies: [
                "ScritorioServer",
                "ScritorioRuntime",
                "ScritorioStore",
                "ScritorioKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "ScritorioProviders",
                "ScritorioSandbox",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScritorioProvidersTests",
            dependencies: [
                "ScritorioProviders", "ScritorioSandbox",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScritorioKitTests",
            dependencies: [
                "ScritorioKit", "ScritorioAPI", "ScritorioCore", "ScritorioServer", "ScritorioRuntime", "ScritorioSandbox", "ScritorioStore",
                "ScritorioTestSupport", "ScritorioProviders",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ScritorioCoreTests", dependencies: ["ScritorioCore", "ScritorioAPI"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ScritorioStoreTests",
            dependencies: ["ScritorioStore", "ScritorioCore", "ScritorioTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ScritorioServerTests",
            dependencies: [
                "ScritorioServer",
                "ScritorioRuntime",
                "ScritorioAPI",
                "ScritorioSandbox",
                "ScritorioStore",
                "ScritorioTestSupport",
                "ScritorioProviders",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
