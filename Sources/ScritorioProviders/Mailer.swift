import Foundation
import Logging
import ScritorioCore

/// Sends Scritorio's mail. A struct of closures so the server can run with SMTP, the sandbox outbox, or a test
/// double, chosen once at start-up.
public struct Mailer: Sendable {
    public var send: @Sendable (MailMessage) async throws -> Void

    public init(send: @escaping @Sendable (MailMessage) async throws -> Void) {
        self.send = send
    }

    /// Delivers over SMTP from `from`.
    public static func smtp(_ client: SMTPClient, from: String) -> Mailer {
        Mailer { message in
            try await client.send(
                SMTPMessage(from: from, to: [message.to], subject: message.subject, textBody: message.text,
                            htmlBody: message.html))
        }
    }

    /// For deployments with no mail configured: every send fails with a clear error.
    public static let unconfigured = Mailer { _ in throw MailerError.notConfigured }

    /// A test double that fails the test if it is ever called unstubbed.
    public static let unimplemented = Mailer { message in
        throw MailerError.unimplemented("Mailer.send called for \(message.kind.rawValue) mail")
    }
}

/// Why mail could not be sent.
public enum MailerError: Error, CustomStringConvertible {
    case notConfigured
    case unimplemented(String)

    public var description: String {
        switch self {
        case .notConfigured: "no mail transport configured: set SCRITORIO_SMTP_URL or run with --sandbox"
        case .unimplemented(let what): "unimplemented: \(what)"
        }
    }
}
