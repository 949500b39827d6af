import Foundation
import ScritorioCore
import Synchronization

/// Who a verified bearer token says the caller is.
public struct Identity: Sendable, Equatable {
    public var userID: UserID
    public var sessionID: SessionID?
    public var email: String?
    public var userMetadata: [String: JSONValue]
    public var expiresAt: Date
    /// The token's `aal` claim: a session raised to `aal2` after this token was issued does not raise the token.
    public var aal: String? = nil
}

/// Why a bearer token was refused.
public enum TokenRejection: Error, Equatable {
    case invalid(JWTError)
    case keysUnavailable
}

/// Verifies access tokens: Scritorio's own (built-in mode) or a Supabase project's (external mode). Verified
/// tokens are cached by SHA-256 until they expire, so a busy client costs one signature check per token.
public final class AccessTokenVerifier: Sendable {
    /// Where trusted keys come from.
    public enum Source: Sendable {
        case fixed(JWTKeySet)
        /// A JWKS fetched on demand (cached for 10 minutes, refetched early for an unknown `kid`), plus an
        /// optional HS256 secret.
        case remote(fetch: @Sendable () async throws -> JWKS, hs256Secret: String?)
    }

    private struct Payload: Decodable {
        var user_metadata: [String: JSONValue]?
        var aal: String?
    }

    private struct KeyCache {
        var keys: JWTKeySet?
        var fetchedAt: Date = .distantPast
    }

    private let source: Source
    private let issuers: [String]
    private let audiences: [String]
    private let keyCache = Mutex(KeyCache())
    private let verified = Mutex<[String: Identity]>([:])
    private let cacheLimit = 10_000

    public init(source: Source, issuers: [String], audiences: [String] = ["authenticated"]) {
        self.source = source
        self.issuers = issuers
        self.audiences = audiences
    }

    /// Checks signature, `exp`, `iss` and `aud`, and returns the identity in the token.
    public func verify(_ token: String, now: Date) async throws(TokenRejection) -> Identity {
        let cacheKey = OneTimeCodeHash.sha256Hex(token)
        if let hit = verified.withLock({ $0[cacheKey] }) {
            guard hit.expiresAt > now else { throw .invalid(.expired) }
            return hit
        }
        let keys = try await keySet(now: now, refresh: false)
        let payloadData: Data
        do {
            payloadData = try keys.verify(token).payload
        } catch .unknownKey where isRemote {
            // A new kid after the issuer rotated keys: refetch once, then decide.
            let refreshed = try await keySet(now: now, refresh: true)
            do { payloadData = try refreshed.verify(token).payload } catch let error {
                throw .invalid(error)
            }
        } catch let error {
            throw .invalid(error)
        }
        guard let claims = try? JSONDecoder().decode(VerifiedClaims.self, from: payloadData) else {
            throw .invalid(.malformed)
        }
        do { try claims.validate(now: now, issuers: issuers, audiences: audiences) } catch let error {
            throw .invalid(error)
        }
        guard let sub = claims.sub, let userID = UserID(sub), let exp = claims.exp else {
            throw .invalid(.missingClaim("sub"))
        }
        let extra = try? JSONDecoder().decode(Payload.self, from: payloadData)
        let identity = Identity(
            userID: userID, sessionID: claims.session_id.flatMap(SessionID.init), email: claims.email,
            userMetadata: extra?.user_metadata ?? [:], expiresAt: Date(timeIntervalSince1970: exp), aal: extra?.aal)
        verified.withLock { cache in
            if cache.count >= cacheLimit {
                cache = cache.filter { $0.value.expiresAt > now }
                if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
            }
            cache[cacheKey] = identity
        }
        return identity
    }

    private var isRemote: Bool {
        if case .remote = source { return true }
        return false
    }

    private func keySet(now: Date, refresh: Bool) async throws(TokenRejection) -> JWTKeySet {
        switch source {
        case .fixed(let keys):
            return keys
        case .remote(let fetch, let secret):
            let cached = keyCache.withLock { $0 }
            let maxAge: TimeInterval = refresh ? 30 : 600
            if let keys = cached.keys, now.timeIntervalSince(cached.fetchedAt) < maxAge { return keys }
            var keys: [JWTVerificationKey] = []
            if let secret {
                keys.append(JWTVerificationKey(kid: nil, material: .hs256(.init(data: Data(secret.utf8)))))
            }
            if let fetched = try? await fetch() {
                keys += fetched.keySet.keys
            } else if let stale = cached.keys {
                // The issuer is unreachable: keep trusting the keys we had rather than signing everyone out, and
                // try again in 30 s rather than on every request.
                keyCache.withLock { $0.fetchedAt = now.addingTimeInterval(30 - 600) }
                return stale
            } else if keys.isEmpty {
                throw .keysUnavailable
            }
            let set = JWTKeySet(keys)
            keyCache.withLock { $0 = KeyCache(keys: set, fetchedAt: now) }
            return set
        }
    }
}
