import Foundation

/// A configuration value that could not be used.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
}

/// The one way configuration is read from the environment: every slice's loader (`AppConfig`, `AIConfig`,
/// `PaddleConfig`, `LemonSqueezyConfig`, `LicensingConfig`) parses through these helpers, so a value means the
/// same thing whichever slice reads it and a bad one fails start-up with its variable's name.
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]

    public init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// The trimmed value; unset and blank read the same (an empty `KEY=` in a unit file means "not set").
    public func value(_ key: String) -> String? {
        guard let raw = environment[key]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// `1`, `true`, `yes` or `on` (any case); anything else, and unset, is false.
    public func flag(_ key: String) -> Bool {
        ["1", "true", "yes", "on"].contains(value(key)?.lowercased() ?? "")
    }

    /// A number `valid` accepts (by default non-negative and below 10¹²), or an error naming the variable and
    /// `requirement`.
    public func number(
        _ key: String, requirement: String = "a non-negative number", where valid: (Double) -> Bool = { $0 >= 0 && $0 < 1e12 }
    ) throws -> Double? {
        guard let text = value(key) else { return nil }
        guard let number = Double(text), valid(number) else { throw ConfigError(description: "\(key) must be \(requirement)") }
        return number
    }

    /// A comma-separated list, entries trimmed, blanks dropped.
    public func list(_ key: String) -> [String] {
        Self.split(value(key))
    }

    /// The first of `keys` that is set, as a list (`X_SECRETS` then its singular `X_SECRET`).
    public func list(_ keys: String...) -> [String] {
        Self.split(keys.lazy.compactMap { value($0) }.first)
    }

    static func split(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// An absolute URL with a scheme and host (limited to `schemes` when given), or an error naming the variable
    /// with `example`: a clear failure at start-up, not a crash at the first call that uses it.
    public func url(_ key: String, schemes: Set<String>? = nil, example: String) throws -> String? {
        guard let text = value(key) else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme, components.host?.isEmpty == false,
            schemes?.contains(scheme) ?? true
        else {
            throw ConfigError(description: "\(key) must be \(example)")
        }
        return text
    }
}

extension String {
    /// The URL without one trailing slash, so paths can be appended with `/`.
    var droppingTrailingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
