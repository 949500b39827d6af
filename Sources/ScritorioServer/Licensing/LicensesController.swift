import Foundation
import Hummingbird
import NIOFoundationCompat
import ScritorioAPI
import ScritorioCore
import ScritorioStore

/// The licence API desktop apps call without a session (`/v1/licenses/activate|validate|deactivate`, Lemon
/// Squeezy's shape, JSON or form bodies, rate limited per key and per IP, no bearer and no `apikey`), the
/// signed-in user's keys and devices (`/v1/me/licenses`, `/v1/me/devices`), and the entitlement JWKS.
struct LicensesController: Sendable {
    let service: LicenseService
    let limiter: RateLimiter
    let ipHeader: String?
    /// Derives the keys Scritorio issued, so their owner can be shown them.
    let licenseSecret: Data?

    /// The licence API and the entitlement JWKS: no session.
    var product: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .on(API.Licensing.activate, use: activate)
            .on(API.Licensing.validate, use: validate)
            .on(API.Licensing.deactivate, use: deactivate)
            .on(API.Licensing.entitlementKeys, use: jwks)
    }

    /// The signed-in user's keys and devices.
    var signedIn: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .on(API.Licensing.licenses, use: licenses)
            .on(API.Licensing.devices, use: devices)
            .on(API.Licensing.freeDevice, use: deleteDevice)
    }

    // MARK: Licence API

    @Sendable func activate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await call(.activate, request, context) { body, key in
            guard let name = body.instanceName else { return LicenseService.missing(.activate, "instance_name") }
            return try await service.activate(body, key: key, name: name)
        }
    }

    @Sendable func validate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await call(.validate, request, context) { body, key in try await service.validate(body, key: key) }
    }

    @Sendable func deactivate(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await call(.deactivate, request, context) { body, key in
            guard let instance = body.instanceID else { return LicenseService.missing(.deactivate, "instance_id") }
            return try await service.deactivate(body, key: key, instanceID: instance)
        }
    }

    /// Reads the body, applies the limits (per IP first, so unknown keys cannot be sprayed; then per key), and
    /// renders the answer.
    private func call(
        _ operation: LicenseAPIResponse.Operation, _ request: Request, _ context: AppRequestContext,
        _ body: (LicenseRequest, String) async throws -> LicenseService.Answer
    ) async throws -> Response {
        let parsed: LicenseRequest
        switch await Self.read(request, context: context) {
        case .success(let value): parsed = value
        case .failure(let message):
            var answer = LicenseService.answer(operation, .validationFailed)
            answer.body.error = message
            return Self.render(answer)
        }
        let now = service.now()
        let ip = request.clientIP(context: context, header: ipHeader)
        do {
            try await limiter.check(service.config.perIP, key: "license-ip:" + ip, now: now)
            if let key = parsed.licenseKey {
                try await limiter.check(service.config.perKey, key: "license-key:" + LicenseKeyDigest.hash(key), now: now)
            }
        } catch let error as APIError {
            return Self.render(LicenseService.answer(operation, .rateLimited), retryAfter: error.retryAfter)
        }
        guard let key = parsed.licenseKey else { return Self.render(LicenseService.missing(operation, "license_key")) }
        return Self.render(try await body(parsed, key))
    }

    enum Parsed {
        case success(LicenseRequest)
        case failure(String)
    }

    /// JSON (`application/json`, or a body that starts with `{`) or form fields; blank values count as absent.
    static func read(_ request: Request, context: AppRequestContext) async -> Parsed {
        guard let buffer = try? await request.body.collect(upTo: context.maxUploadSize) else {
            return .failure("The request body is too large.")
        }
        let data = Data(buffer: buffer)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let looksJSON = contentType.contains("json") || data.first(where: { !($0 == 32 || $0 == 10 || $0 == 13 || $0 == 9) }) == UInt8(ascii: "{")
        var body: LicenseRequest
        if data.isEmpty {
            body = LicenseRequest(licenseKey: nil)
        } else if looksJSON {
            guard let decoded = try? JSONDecoder().decode(LicenseRequest.self, from: data) else {
                return .failure("The request body is not a JSON object of strings.")
            }
            body = decoded
        } else {
            guard let text = String(data: data, encoding: .utf8), let fields = Self.formFields(text) else {
                return .failure("The request body is not valid form data.")
            }
            body = LicenseRequest(
                licenseKey: fields["license_key"], instanceName: fields["instance_name"], instanceID: fields["instance_id"],
                fingerprint: fields["fingerprint"])
        }
        // Absent, empty or only spaces is missing (422): the contract says a field holds a non-space character.
        func clean(_ value: String?) -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value.count <= 512 ? value : String(value.prefix(512))
        }
        body.licenseKey = clean(body.licenseKey)
        body.instanceName = clean(body.instanceName)
        body.instanceID = clean(body.instanceID)
        body.fingerprint = clean(body.fingerprint)
        // PostgreSQL text cannot hold NUL (JSON `\u0000`, form `%00`): it reads as U+FFFD, so such a key or instance
        // matches nothing (404) and a name is stored legibly, never a store failure.
        func legible(_ value: String?) -> String? { value.map { $0.replacingOccurrences(of: "\0", with: "\u{FFFD}") } }
        body.licenseKey = legible(body.licenseKey)
        body.instanceName = legible(body.instanceName)
        body.instanceID = legible(body.instanceID)
        body.fingerprint = legible(body.fingerprint)
        return .success(body)
    }

    /// `application/x-www-form-urlencoded` as browsers and Lemon Squeezy's clients write it: `name=value` pairs
    /// joined by `&`, `+` for a space, percent escapes; the first of a repeated name counts, names the API does
    /// not know are ignored (no nested `a[b]` syntax: the API has none). `nil` for a broken percent escape.
    static func formFields(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), let value = parts.count > 1 ? decode(parts[1]) : "" else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    static func render(_ answer: LicenseService.Answer, retryAfter: Int? = nil) -> Response {
        var json = JSONWriter(capacity: 1024)
        answer.body.write(to: &json)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: answer.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    // MARK: Self-service

    @Sendable func licenses(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<LicensesResponse> {
        let identity = context.identity
        let stored = try await service.database.read { try await LicenseRepository.licenses(of: identity.userID, on: $0) }
        let now = service.now()
        return JSONResponse(LicensesResponse(licenses: stored.map { license in
            // Derived again from the secret; shown only if it is the stored one (a replica configured with another
            // secret must not show a key that would not validate).
            let key = license.issuer == .scritorio
                ? licenseSecret.map { ScritorioLicenseKey.derive(secret: $0, licenseID: license.providerLicenseID) }
                    .flatMap { LicenseKeyDigest.hash($0) == license.keyHash ? $0 : nil }
                : nil
            return LicenseDTO(
                id: license.id.uuidString.lowercased(), provider: license.provider.rawValue, key: key, keyHint: license.keyHint ?? "",
                status: LicenseRules.displayedStatus(license.state, now: now).rawValue, activationLimit: license.activationLimit,
                activationUsage: license.activationUsage, expiresAt: license.expiresAt.map(WireDate.format),
                createdAt: WireDate.format(license.createdAt), plan: license.planCode, productName: license.productName,
                testMode: license.mode == .test)
        }))
    }

    @Sendable func devices(_ request: Request, context: AuthenticatedContext) async throws -> JSONResponse<DevicesResponse> {
        let identity = context.identity
        let (devices, licenses) = try await service.database.read { db in
            (try await DeviceRepository.devices(of: identity.userID, on: db), try await LicenseRepository.licenses(of: identity.userID, on: db))
        }
        let hints = Dictionary(licenses.map { ($0.id, $0.keyHint) }, uniquingKeysWith: { first, _ in first })
        return JSONResponse(DevicesResponse(devices: devices.map { device in
            DeviceDTO(
                id: device.instanceID, name: device.name, fingerprint: device.fingerprint, licenseId: device.licenseID.uuidString.lowercased(),
                licenseKeyHint: hints[device.licenseID] ?? nil, createdAt: WireDate.format(device.createdAt),
                lastValidatedAt: device.lastValidatedAt.map(WireDate.format))
        }))
    }

    /// Frees the seat of one of the caller's own devices; anyone else's device is a 404, as if it did not exist.
    @Sendable func deleteDevice(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let identity = context.identity
        let id = context.parameters.get("id") ?? ""
        let now = service.now()
        let freed = try await service.database.transaction { db -> Bool in
            guard let device = try await DeviceRepository.device(of: identity.userID, instanceID: id, on: db) else { return false }
            return try await DeviceRepository.deactivate(licenseID: device.licenseID, instanceID: device.instanceID, now: now, on: db)
        }
        guard freed else { throw APIError(.notFound, .notFound, "No such device") }
        return Response(status: .noContent)
    }

    @Sendable func jwks(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<JWKS> {
        JSONResponse(service.documents.keys.jwks, headers: [.cacheControl: "public, max-age=300"])
    }
}
