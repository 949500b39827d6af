import Crypto
import Foundation
import _CryptoExtras
import ScritorioCore

/// Shared fixtures for the ScritorioCore tests.
enum Fixture {
    /// 2026-03-15T13:45:00Z.
    static let march15 = Date(timeIntervalSince1970: 1_773_582_300)

    /// One RSA key for the whole run: generating 2048-bit keys is slow in debug builds.
    static let rsaKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// A UTC Gregorian calendar for building expected dates.
    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    static func utcDate(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0)
        -> Date
    {
        utc.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }
}

/// Builds compact JWS tokens by hand, for algorithms `JWTSigningKey` does not produce (HS256, `none`) and for
/// tampering with headers or payloads.
enum HandmadeJWT {
    static func segment(_ json: String) -> String { Base64URL.encode(Data(json.utf8)) }

    /// `header.payload.HMAC-SHA256(header.payload)` with the given raw key bytes.
    static func hs256(header: String, payload: String, keyBytes: some DataProtocol) -> String {
        let input = "\(segment(header)).\(segment(payload))"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(keyBytes)))
        return "\(input).\(Base64URL.encode(Data(mac)))"
    }

    /// Splits a compact token into its three segments.
    static func parts(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
}

/// A deterministic generator (SplitMix64) so randomised code can be tested reproducibly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Decodes `json` (UTF-8 text) as `T`.
func decodeJSON<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(json.utf8))
}

/// Encodes `value` as compact JSON text with sorted keys.
func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
