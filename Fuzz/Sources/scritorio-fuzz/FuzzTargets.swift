import Foundation
import CFuzzDriver
import ScritorioCore

/// The fuzz targets: each feeds libFuzzer's bytes to one parser of untrusted input. A target passes when the
/// parser returns (a value or an error) for every input: a crash, a trap (overflow, out-of-bounds) or a hang is
/// what libFuzzer reports. `SCRITORIO_FUZZ_TARGET` picks the target of a run.
enum FuzzTarget: String, CaseIterable {
    case paddleWebhook = "paddle-webhook"
    case lemonSqueezyWebhook = "lemonsqueezy-webhook"
    case jwt
    case multipart
    case sse
    case audio
    case licenseKey = "license-key"
    case aiRequest = "ai-request"

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["SCRITORIO_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set SCRITORIO_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()

    /// A key set with one ES256 key (a public key made for fuzzing only), so tokens reach signature checking.
    static let keys: JWTKeySet = {
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"fuzz-es","use":"sig","alg":"ES256","x":"TfFFl6ZSUiaIGubTuv9Nb5LiyPpkOg5E_hscwDNgXcg","y":"vw-vis4kMEeAPM0wEeF9JNs0v00AcEAJyxNLSAG07gE"}]}"#
        return try! JSONDecoder().decode(JWKS.self, from: Data(jwks.utf8)).keySet
    }()

    func run(_ bytes: [UInt8]) {
        let data = Data(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .paddleWebhook:
            _ = try? PaddleEventDecoder.decode(data, mode: .test)
            _ = PaddleSignature.parse(text)
        case .lemonSqueezyWebhook:
            _ = try? LemonSqueezyEventDecoder.decode(data)
            _ = try? LemonSqueezyEventDecoder.decode(apiSubscription: data, mode: .live)
        case .jwt:
            // A token against the fixed keys; then the input as a JWKS (its keys built), and the part after its
            // first line as a token against them.
            _ = try? Self.keys.verify(text)
            let split = bytes.firstIndex(of: 10) ?? bytes.endIndex
            if let jwks = try? JSONDecoder().decode(JWKS.self, from: Data(bytes[..<split])) {
                let token = split < bytes.endIndex ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : ""
                _ = try? jwks.keySet.verify(token)
            }
            _ = try? EntitlementTokenVerifier(jwks: data)
        case .multipart:
            // The first line is the Content-Type (its boundary), the rest the body.
            let split = bytes.firstIndex(of: 10) ?? bytes.endIndex
            let contentType = String(decoding: bytes[..<split], as: UTF8.self)
            let body = split < bytes.endIndex ? Array(bytes[(split + 1)...]) : []
            if let form = MultipartForm(contentType: contentType, body: body) {
                _ = form.text("model")
                _ = form.encoded(boundary: "fuzz-boundary")
            }
        case .sse:
            var scanner = SSEUsageScanner(stripUsageChunk: bytes.first.map { $0 & 1 == 1 } ?? false)
            // Fed in two pieces, as a stream arrives.
            let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
            _ = scanner.consume(bytes[..<cut])
            _ = scanner.consume(bytes[cut...])
            _ = scanner.flush()
        case .audio:
            _ = AIEstimator.audioSeconds(bytes)
        case .licenseKey:
            _ = ScritorioLicenseKey.normalize(text)
            _ = ScritorioLicenseKey.isValid(text)
        case .aiRequest:
            _ = AIRequestFacts.read(bytes)
            _ = AIRequestFacts.repeatedMember(in: bytes)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    FuzzTarget.selected.run(bytes)
    return 0
}
