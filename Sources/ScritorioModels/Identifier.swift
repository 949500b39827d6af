import Foundation

/// A UUID tagged with the kind of thing it identifies, so a `UserID` can never be passed where a
/// `SessionID` is expected.
public struct Identifier<Tag>: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The underlying UUID.
    public let rawValue: UUID

    /// Wraps an existing UUID.
    public init(_ rawValue: UUID) { self.rawValue = rawValue }

    /// Parses the canonical textual form; `nil` when the text is not a UUID.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.rawValue = uuid
    }

    /// A fresh random identifier.
    public static func random() -> Self { Self(UUID()) }

    /// Lower-case text, the form Supabase uses on the wire.
    public var description: String { rawValue.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(UUID.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public enum UserTag {}
public enum SessionTag {}
public enum IdentityTag {}
public enum FlowStateTag {}

/// The id of an account; the JWT `sub`.
public typealias UserID = Identifier<UserTag>
/// The id of a signed-in session; the JWT `session_id`.
public typealias SessionID = Identifier<SessionTag>
/// The id of a linked sign-in identity (email, Google).
public typealias IdentityID = Identifier<IdentityTag>
/// The id of a PKCE flow state.
public typealias FlowStateID = Identifier<FlowStateTag>
