import Foundation

/// Errors raised by ``SMTPConfiguration`` and ``SMTPClient``.
///
/// No case ever carries a password or an AUTH payload, so the description of
/// any `SMTPError` is safe to log or to return to an operator.
public enum SMTPError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The SMTP URL could not be parsed. The associated value explains why; it never
    /// repeats the URL itself, since a malformed URL may still contain a password.
    case invalidURL(String)
    /// The message cannot be sent as given (no recipients, header injection, ...).
    case invalidMessage(String)
    /// The server answered `command` with an unexpected reply code.
    /// `command` is the verb only for authentication (`AUTH PLAIN`, `AUTH LOGIN`).
    case unexpectedReply(code: Int, command: String, message: String)
    /// The server sent something that is not a valid SMTP reply.
    case malformedReply(String)
    /// Credentials would have been sent over an unencrypted connection to a non-loopback host.
    case insecureAuthentication
    /// `starttls=required` was configured but the server does not offer STARTTLS.
    case startTLSUnavailable
    /// Credentials were configured but the server offers neither AUTH PLAIN nor AUTH LOGIN.
    case authenticationUnsupported
    /// The TCP connection could not be established.
    case connectionFailed(String)
    /// The server closed the connection before the transaction finished.
    case connectionClosed
    /// TLS negotiation failed, or the STARTTLS upgrade was tampered with.
    case tlsFailed(String)
    /// The per-send deadline expired.
    case timeout

    public var description: String {
        switch self {
        case .invalidURL(let reason): "invalid SMTP URL: \(reason)"
        case .invalidMessage(let reason): "invalid SMTP message: \(reason)"
        case .unexpectedReply(let code, let command, let message):
            "SMTP server replied \(code) to \(command): \(message)"
        case .malformedReply(let reason): "malformed SMTP reply: \(reason)"
        case .insecureAuthentication:
            "refusing to send SMTP credentials over an unencrypted connection to a non-loopback host"
        case .startTLSUnavailable: "STARTTLS is required but the SMTP server does not offer it"
        case .authenticationUnsupported: "SMTP server supports neither AUTH PLAIN nor AUTH LOGIN"
        case .connectionFailed(let reason): "SMTP connection failed: \(reason)"
        case .connectionClosed: "SMTP server closed the connection unexpectedly"
        case .tlsFailed(let reason): "SMTP TLS failure: \(reason)"
        case .timeout: "SMTP operation timed out"
        }
    }
}

/// Where and how to deliver mail, parsed from a URL such as
/// `smtp://user:secret@mail.example.com:587?starttls=required&from=noreply@example.com`.
///
/// Supported forms:
/// - `smtp://[user[:password]@]host[:port]`: plain SMTP, default port 25 (587 with
///   `starttls=required`); STARTTLS is used when offered unless `starttls=off`.
/// - `smtps://[user[:password]@]host[:port]`: implicit TLS, default port 465.
///
/// Query parameters: `starttls=required|opportunistic|off` (smtp only) and `from=`
/// (the default sender). Unknown parameters are rejected so that a typo such as
/// `startls=required` cannot silently weaken transport security.
///
/// `description` and `debugDescription` redact the password, so logging a
/// configuration is safe.
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// How the connection is protected.
    public enum Security: String, Sendable, Equatable {
        /// TLS from the first byte (`smtps://`).
        case implicitTLS
        /// STARTTLS must succeed, otherwise nothing is sent.
        case startTLSRequired
        /// STARTTLS is used when the server advertises it.
        case startTLSOpportunistic
        /// Never upgrade; plaintext only.
        case plaintext
    }

    /// Server host name or IP address (IPv6 without brackets).
    public var host: String
    /// Server TCP port.
    public var port: Int
    /// Transport security mode.
    public var security: Security
    /// Username for SMTP AUTH; `nil` disables authentication.
    public var username: String?
    /// Password for SMTP AUTH. Never printed by `description`.
    public var password: String?
    /// Sender used when an ``SMTPMessage`` has no `from`.
    public var defaultFrom: String?

    /// Creates a configuration from its parts.
    public init(
        host: String,
        port: Int? = nil,
        security: Security = .startTLSOpportunistic,
        username: String? = nil,
        password: String? = nil,
        defaultFrom: String? = nil
    ) {
        self.host = host
        self.port = port ?? Self.defaultPort(for: security)
        self.security = security
        self.username = username
        self.password = password
        self.defaultFrom = defaultFrom
    }

    /// Parses an `smtp://` or `smtps://` URL; see the type documentation for the grammar.
    /// - Throws: ``SMTPError/invalidURL(_:)``, whose message never contains the password.
    public init(url: String) throws {
        // Error messages below deliberately never interpolate `url`: it may hold a password.
        guard let components = URLComponents(string: url), let rawScheme = components.scheme else {
            throw SMTPError.invalidURL("not a URL of the form smtp://[user[:password]@]host[:port]")
        }
        let scheme = rawScheme.lowercased()
        guard scheme == "smtp" || scheme == "smtps" else {
            throw SMTPError.invalidURL("unsupported scheme '\(scheme)', expected smtp or smtps")
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw SMTPError.invalidURL("missing host") }
        guard components.path.isEmpty || components.path == "/" else {
            throw SMTPError.invalidURL("unexpected path")
        }
        guard components.fragment == nil else { throw SMTPError.invalidURL("unexpected fragment") }

        var startTLS: Security? = nil
        var from: String? = nil
        for item in components.queryItems ?? [] {
            switch item.name.lowercased() {
            case "starttls":
                guard scheme == "smtp" else {
                    throw SMTPError.invalidURL("starttls does not apply to smtps (TLS is implicit)")
                }
                switch item.value?.lowercased() {
                case "required": startTLS = .startTLSRequired
                case "opportunistic": startTLS = .startTLSOpportunistic
                case "off": startTLS = .plaintext
                default: throw SMTPError.invalidURL("starttls must be required, opportunistic or off")
                }
            case "from":
                guard let value = item.value, !value.isEmpty else {
                    throw SMTPError.invalidURL("from must not be empty")
                }
                from = value
            default:
                throw SMTPError.invalidURL("unknown query parameter '\(item.name)'")
            }
        }
        let security: Security = scheme == "smtps" ? .implicitTLS : (startTLS ?? .startTLSOpportunistic)

        if let port = components.port, !(1...65535).contains(port) {
            throw SMTPError.invalidURL("port out of range")
        }

        var username: String? = nil
        var password: String? = nil
        if let rawUser = components.percentEncodedUser {
            guard let decoded = rawUser.removingPercentEncoding else {
                throw SMTPError.invalidURL("invalid username encoding")
            }
            guard !decoded.isEmpty else { throw SMTPError.invalidURL("empty username") }
            username = decoded
        }
        if let rawPassword = components.percentEncodedPassword {
            guard let decoded = rawPassword.removingPercentEncoding else {
                throw SMTPError.invalidURL("invalid password encoding")
            }
            guard username != nil else { throw SMTPError.invalidURL("password given without username") }
            password = decoded
        }

        self.init(
            host: host, port: components.port, security: security,
            username: username, password: password, defaultFrom: from
        )
    }

    /// The port used when the URL does not name one.
    static func defaultPort(for security: Security) -> Int {
        switch security {
        case .implicitTLS: 465
        case .startTLSRequired: 587
        case .startTLSOpportunistic, .plaintext: 25
        }
    }

    /// A URL-like rendering with the password replaced by `<redacted>`.
    public var description: String {
        var result = security == .implicitTLS ? "smtps://" : "smtp://"
        if let username {
            result += username
            if password != nil { result += ":<redacted>" }
            result += "@"
        }
        result += host.contains(":") ? "[\(host)]" : host
        result += ":\(port)"
        var query: [String] = []
        switch security {
        case .startTLSRequired: query.append("starttls=required")
        case .plaintext: query.append("starttls=off")
        case .startTLSOpportunistic, .implicitTLS: break
        }
        if let defaultFrom { query.append("from=\(defaultFrom)") }
        if !query.isEmpty { result += "?" + query.joined(separator: "&") }
        return result
    }

    /// Same as ``description``: the password is redacted in debug output too.
    public var debugDescription: String { "SMTPConfiguration(\(description))" }
}

extension SMTPConfiguration: CustomReflectable {
    /// Keeps `dump(_:)` and reflection-based loggers from revealing the password.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "security": security, "username": username as Any,
                "password": password == nil ? "nil" : "<redacted>", "defaultFrom": defaultFrom as Any,
            ],
            displayStyle: .struct
        )
    }
}
