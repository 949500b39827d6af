import Foundation

extension LemonSqueezyEventDecoder {
    /// The body of a `license-keys` event with `data.attributes.key` replaced by `LicenseKeyDigest.seal(key)`, every
    /// other byte as it came; any other body unchanged. The webhook log keeps this, not the key: the store holds
    /// only keys' hashes, and a stored payload must not undo that. The digest that identifies a delivery is taken
    /// of the body as signed, before sealing, so a retry is still recognised.
    public static func sealingLicenseKey(_ body: [UInt8]) -> [UInt8] {
        guard let data = RawJSON.member("data", in: body) else { return body }
        let object = Array(body[data])
        guard let type = RawJSON.member("type", in: object), string(object[type]) == "license-keys",
            let attributes = RawJSON.member("attributes", in: object)
        else { return body }
        let fields = Array(object[attributes])
        guard let keyRange = RawJSON.member("key", in: fields), let key = string(fields[keyRange]), LicenseKeyDigest.unsealed(key) == nil,
            let sealed = try? JSONEncoder().encode(LicenseKeyDigest.seal(key))
        else { return body }
        let start = data.lowerBound + attributes.lowerBound + keyRange.lowerBound
        let end = data.lowerBound + attributes.lowerBound + keyRange.upperBound
        return Array(body[..<start]) + Array(sealed) + Array(body[end...])
    }

    /// A JSON string value's text; `nil` for anything else.
    private static func string(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.first == 0x22 else { return nil }
        return try? JSONDecoder().decode(String.self, from: Data(bytes))
    }
}
