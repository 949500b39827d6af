import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ScritorioCore

/// Fetches a JWKS document (Google's OIDC keys, a Supabase project's signing keys).
public struct JWKSFetcher: Sendable {
    public var fetch: @Sendable () async throws -> JWKS

    public init(fetch: @escaping @Sendable () async throws -> JWKS) {
        self.fetch = fetch
    }

    /// GETs `url` with a short timeout; any non-200 answer or undecodable body is an error.
    public static func live(url: String, client: HTTPClient = .shared) -> JWKSFetcher {
        JWKSFetcher {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await client.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw JWKSFetchError.status(Int(response.status.code), url: url) }
            let body = try await response.body.collect(upTo: 1 << 20)
            return try JSONDecoder().decode(JWKS.self, from: Data(buffer: body))
        }
    }

    /// Google's published OIDC signing keys.
    public static let googleURL = "https://www.googleapis.com/oauth2/v3/certs"

    /// A test double that fails if it is called unstubbed.
    public static let unimplemented = JWKSFetcher { throw JWKSFetchError.unimplemented }
}

/// Why a JWKS could not be fetched.
public enum JWKSFetchError: Error, CustomStringConvertible {
    case status(Int, url: String)
    case unimplemented
    case backingOff

    public var description: String {
        switch self {
        case .status(let code, let url): "JWKS fetch from \(url) answered \(code)"
        case .unimplemented: "unimplemented: JWKSFetcher.fetch called unstubbed"
        case .backingOff: "JWKS unavailable; waiting before the next attempt"
        }
    }
}
