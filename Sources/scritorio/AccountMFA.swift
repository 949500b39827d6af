import ArgumentParser
import Foundation
import ScritorioKit

/// `scritorio account mfa …`: a TOTP second factor for the signed-in account.
struct AccountMFA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mfa", abstract: "Two-step sign-in with an authenticator app: enroll, verify, list, remove.",
        subcommands: [Enroll.self, Verify.self, List.self, Remove.self])

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start enrolling an authenticator app; then run verify with its code.")
        @OptionGroup var options: AccountOptions
        @Option(help: "A name for this factor (e.g. the phone's).") var name: String?

        func run() async throws {
            let client = try await options.signedInClient()
            try await runAccountCommand {
                let enrollment = try await client.enrollTOTP(friendlyName: name)
                print("factor: \(enrollment.factorID)")
                print("secret: \(enrollment.secret)")
                print("uri: \(enrollment.uri)")
                print("Add it to your authenticator app (scan the URI as a QR code or type the secret), then run:")
                print("scritorio account mfa verify \(enrollment.factorID) CODE")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a code from the app: confirms an enrolment and raises this session to aal2.")
        @OptionGroup var options: AccountOptions
        @Argument(help: "The factor's id.") var factor: String
        @Argument(help: "The 6-digit code (asked when missing).") var code: String?

        func run() async throws {
            let client = try await options.signedInClient()
            let code = try self.code ?? Terminal.prompt("Code from your authenticator app: ")
            try await runAccountCommand {
                try await client.verifyFactor(factor, code: code)
                let level = try await client.assuranceLevel()
                print("Verified. Assurance level: \(level.current.rawValue).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The account's factors and this session's assurance level.")
        @OptionGroup var options: AccountOptions

        func run() async throws {
            let client = try await options.signedInClient()
            try await runAccountCommand {
                for factor in try await client.factors() {
                    print([factor.id, factor.type, factor.isVerified ? "verified" : "unverified", factor.friendlyName]
                        .filter { !$0.isEmpty }.joined(separator: "\t"))
                }
                let level = try await client.assuranceLevel()
                print("assurance level: \(level.current.rawValue) (can reach \(level.next.rawValue))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a factor (a verified one needs an aal2 session).")
        @OptionGroup var options: AccountOptions
        @Argument(help: "The factor's id.") var factor: String

        func run() async throws {
            let client = try await options.signedInClient()
            try await runAccountCommand {
                try await client.removeFactor(factor)
                print("Removed \(factor).")
            }
        }
    }
}
