import Foundation

/// An email Scritorio sends. `kind`, `code`, `tokenHash` and `link` describe what the mail carries so that the
/// sandbox outbox can show them; SMTP delivery uses only the envelope, subject and bodies.
public struct MailMessage: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case signup
        case recovery
        case magiclink
        case invite
        case emailChange = "email_change"
        case reauthentication
    }

    public var to: String
    public var subject: String
    public var text: String
    public var html: String?
    public var kind: Kind
    public var code: String?
    public var tokenHash: String?
    public var link: String?

    public init(
        to: String, subject: String, text: String, html: String? = nil, kind: Kind, code: String?,
        tokenHash: String?, link: String?
    ) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.kind = kind
        self.code = code
        self.tokenHash = tokenHash
        self.link = link
    }
}
