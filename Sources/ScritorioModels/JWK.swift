import Foundation

/// One JSON Web Key as published in a JWKS document.
public struct JWK: Codable, Sendable, Equatable {
    public var kty: String
    public var kid: String?
    public var alg: String?
    public var use: String?
    public var key_ops: [String]?
    public var crv: String?
    public var x: String?
    public var y: String?
    public var n: String?
    public var e: String?

    public init(
        kty: String, kid: String?, alg: String?, use: String? = "sig", key_ops: [String]? = ["verify"],
        crv: String? = nil, x: String? = nil, y: String? = nil, n: String? = nil, e: String? = nil
    ) {
        self.kty = kty
        self.kid = kid
        self.alg = alg
        self.use = use
        self.key_ops = key_ops
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
    }
}

/// A JWKS document: `{"keys": [...]}`.
public struct JWKS: Codable, Sendable, Equatable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }
}
