import Foundation
import ScritorioCore
import Testing

@Suite("Licence keys and rules")
struct LicenseKeyTests {
    static let secret = Data(repeating: 7, count: 32)

    @Test("a derived key is readable, stable for its licence, different for another, and passes its check")
    func format() throws {
        let key = ScritorioLicenseKey.derive(secret: Self.secret, licenseID: "scr_sub_1")
        #expect(key.wholeMatch(of: /SCR-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}/) != nil)
        #expect(key == ScritorioLicenseKey.derive(secret: Self.secret, licenseID: "scr_sub_1"))
        #expect(key != ScritorioLicenseKey.derive(secret: Self.secret, licenseID: "scr_sub_2"))
        #expect(key != ScritorioLicenseKey.derive(secret: Data(repeating: 8, count: 32), licenseID: "scr_sub_1"))
        #expect(ScritorioLicenseKey.isValid(key))
    }

    @Test("typed loosely (case, spaces, no dashes, O for 0, I/L for 1) it reads as the same key and hash")
    func normalization() throws {
        let key = ScritorioLicenseKey.make(from: Array(repeating: 0, count: 12))
        #expect(key == "SCR-00000-00000-00000-00000")
        let loose = "  scr oooo0-00000 00000-0000 0\n"
        #expect(ScritorioLicenseKey.normalize(loose) == key)
        #expect(LicenseKeyDigest.hash(loose) == LicenseKeyDigest.hash(key))
        let ones = ScritorioLicenseKey.make(from: [0x08, 0x42, 0x10, 0x84, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0x08, 0x42])
        #expect(ones.hasPrefix("SCR-11111"))
        #expect(ScritorioLicenseKey.normalize(ones.replacingOccurrences(of: "1", with: "l")) == ones)
        // A provider's key is taken as given (only trimmed), never rewritten.
        #expect(LicenseKeyDigest.normalize(" 38b1460a-5104-4067-a91d-77b872934d51 ") == "38b1460a-5104-4067-a91d-77b872934d51")
        #expect(LicenseKeyDigest.hint("38b1460a-5104-4067-a91d-77b872934d51") == "…4d51")
        #expect(ScritorioLicenseKey.normalize("SCR-0000-0000") == nil)
        #expect(ScritorioLicenseKey.normalize("SCR-00000-00000-00000-0000U") == nil)
    }

    @Test("every single-character change, and every swap of neighbours but 0Z/Z0, is caught by the check character")
    func checkCharacter() throws {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var generator = SplitMix64(seed: 42)
        for _ in 0..<50 {
            let key = ScritorioLicenseKey.make(from: (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let compact = Array(key.dropFirst(4).filter { $0 != "-" })
            for position in compact.indices {
                for replacement in alphabet where replacement != compact[position] {
                    var changed = compact
                    changed[position] = replacement
                    #expect(!ScritorioLicenseKey.isValid("SCR" + String(changed)), "\(key) @\(position)")
                }
            }
            for position in 0..<(compact.count - 1) where compact[position] != compact[position + 1] {
                var swapped = compact
                swapped.swapAt(position, position + 1)
                let a = alphabet.firstIndex(of: compact[position])!, b = alphabet.firstIndex(of: compact[position + 1])!
                // Luhn mod N's one blind spot: the neighbours 0 and N-1 ("0" and "Z").
                if Set([a, b]) == [0, 31] { continue }
                #expect(!ScritorioLicenseKey.isValid("SCR" + String(swapped)), "\(key) swap @\(position)")
            }
        }
    }

    @Test("status words: Lemon Squeezy's four, anything else kept as unknown and unusable")
    func statuses() {
        for word in ["inactive", "active", "expired", "disabled", "suspended"] {
            #expect(LicenseStatus(rawValue: word).rawValue == word)
        }
        #expect(LicenseStatus(rawValue: "active").isUsable && LicenseStatus(rawValue: "inactive").isUsable)
        #expect(!LicenseStatus(rawValue: "expired").isUsable && !LicenseStatus(rawValue: "suspended").isUsable)
    }

    @Test("ordered guards: disabled, then expired (stored or by date)")
    func rules() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        func state(_ status: LicenseStatus, expires: TimeInterval? = nil, limit: Int? = 3, usage: Int = 0) -> LicenseState {
            LicenseState(status: status, expiresAt: expires.map { now.addingTimeInterval($0) }, activationLimit: limit, activationUsage: usage)
        }
        // The seat limit is the activation statement's own condition (DeviceRepository), tested on both stores.
        #expect(LicenseRules.usability(state(.active, usage: 3), now: now) == .valid)
        #expect(LicenseRules.usability(state(.active, expires: 0, usage: 3), now: now) == .expired)
        #expect(LicenseRules.usability(state(.disabled, expires: -10, usage: 3), now: now) == .disabled)
        #expect(LicenseRules.usability(state(.expired, expires: 3600), now: now) == .expired)
        #expect(LicenseRules.usability(state(.inactive, expires: 1), now: now) == .valid)
        #expect(LicenseRules.usability(state(.unknown("suspended")), now: now) == .disabled)
        #expect(LicenseRules.displayedStatus(state(.active, usage: 0), now: now) == .inactive)
        #expect(LicenseRules.displayedStatus(state(.inactive, usage: 2), now: now) == .active)
        #expect(LicenseRules.displayedStatus(state(.active, expires: -1, usage: 2), now: now) == .expired)
        #expect(LicenseRules.fingerprintMatches(device: nil, presented: nil) && LicenseRules.fingerprintMatches(device: nil, presented: "x"))
        #expect(LicenseRules.fingerprintMatches(device: "a", presented: "a"))
        #expect(!LicenseRules.fingerprintMatches(device: "a", presented: "b") && !LicenseRules.fingerprintMatches(device: "a", presented: nil))
    }

    @Test("catalog licence policy: optional, defaults to the plan's entitlements, a limit below 1 is refused")
    func catalogPolicy() throws {
        let json = #"{"plans":[{"code":"pro","entitlements":["scritorio_pro"],"prices":{},"license":{"activationLimit":3,"expiry":"never"}},"# +
            #"{"code":"team","entitlements":["scritorio_pro"],"prices":{},"license":{"entitlements":["scritorio_team"]}},"# +
            #"{"code":"plain","entitlements":["x"],"prices":{}}]}"#
        let catalog = try Catalog.parse(Data(json.utf8))
        #expect(catalog.plan(code: "pro")?.license == LicensePolicy(activationLimit: 3, expiry: .never))
        #expect(catalog.plan(code: "pro")?.licenseEntitlements == ["scritorio_pro"])
        #expect(catalog.plan(code: "team")?.licenseEntitlements == ["scritorio_team"] && catalog.plan(code: "team")?.license?.activationLimit == nil)
        #expect(catalog.plan(code: "plain")?.license == nil)
        #expect(Catalog.sandbox.plans.allSatisfy { $0.license?.activationLimit == 3 })
        for bad in [#"{"activationLimit":0}"#, #"{"entitlements":[]}"#, #"{"expiry":"sometimes"}"#] {
            let text = #"{"plans":[{"code":"p","entitlements":["x"],"prices":{},"license":"# + bad + "}]}"
            #expect(throws: (any Error).self) { try Catalog.parse(Data(text.utf8)) }
        }
    }

    @Test("every code has Lemon Squeezy's error text except the successes")
    func codes() {
        for code in LicenseCode.allCases {
            #expect((code.message == nil) == code.isSuccess)
        }
        #expect(LicenseCode.tooManyActivations.message == "This license key has reached the activation limit.")
        #expect(LicenseCode.notFound.message == "license_key not found.")
    }
}
