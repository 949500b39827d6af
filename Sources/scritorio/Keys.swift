import ArgumentParser
import Foundation
import ScritorioServer

/// `scritorio keys rotate`: a new signing key; the old one stays published until its tokens expire.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the JWT and entitlement signing keys.", subcommands: [Rotate.self, RotateEntitlements.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start signing with a new key (restart the server to use it).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            let kid = try SigningKeys.rotate(
                directory: config.dataDirectory, now: Date(), keepRetiredFor: config.accessTokenLifetime + 3600)
            print("new signing key \(kid); previous keys stay in the JWKS until their tokens have expired")
        }
    }

    struct RotateEntitlements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-entitlements",
            abstract: "Start signing entitlement documents with a new Ed25519 key (restart the server to use it).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            let kid = try EntitlementKeys.rotate(
                directory: config.dataDirectory, now: Date(), keepRetiredFor: config.licensing.entitlementTTL + 3600)
            print("new entitlement key \(kid); previous keys stay in /v1/entitlements/jwks.json until their documents have expired")
        }
    }
}
