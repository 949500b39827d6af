// swift-tools-version: 6.1
// libFuzzer targets for the parsers that read untrusted bytes. Built apart from the main package, with every Swift
// module instrumented: `bash scripts/fuzz.sh` (see there).
import PackageDescription

let package = Package(
    name: "scritorio-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "scritorio", path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "scritorio-fuzz",
            dependencies: ["CFuzzDriver", .product(name: "ScritorioCore", package: "scritorio")],
            // libFuzzer supplies `main`.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
