import ArgumentParser
import Foundation
import ScritorioCore
import ScritorioServer

/// `scritorio keys rotate`: a new signing key; the old one stays published until its tokens expire.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the JWT and entitlement signing keys.", subcommands: [Rotate.self, RotateEntitlements.self, Secret.self, LegacyJWT.self])

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

    /// Prints the service role's secret key (generating it on first use), which the server itself never prints.
    struct Secret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the secret (service role) key for the admin API; keep it on servers only.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let config = try common.config()
            print(try SecretKey.load(directory: config.dataDirectory, configured: config.secretKey))
        }
    }

    /// Mints a Supabase-style legacy key (`anon` or `service_role`) from `SCRITORIO_JWT_SECRET`, for apps that still
    /// ship one.
    struct LegacyJWT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "legacy-jwt", abstract: "Print an anon or service_role JWT signed with SCRITORIO_JWT_SECRET.")
        @OptionGroup var common: CommonOptions
        @Option(help: "anon or service_role") var role: String = "anon"
        @Option(help: "Years the key is valid for") var years: Int = 10

        func run() async throws {
            let config = try common.config()
            guard let secret = config.legacyJWTSecret else { throw ValidationError("SCRITORIO_JWT_SECRET is not set") }
            guard ["anon", "service_role"].contains(role) else { throw ValidationError("--role must be anon or service_role") }
            let now = Int64(Date().timeIntervalSince1970)
            struct Claims: Encodable { var iss: String; var role: String; var iat: Int64; var exp: Int64 }
            print(try HS256.sign(Claims(iss: "scritorio", role: role, iat: now, exp: now + Int64(years) * 31_557_600), secret: secret))
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
