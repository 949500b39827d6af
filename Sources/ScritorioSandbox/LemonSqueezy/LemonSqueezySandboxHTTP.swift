import Foundation
import Hummingbird
import NIOCore
import ScritorioAPI
import ScritorioCore

extension LemonSqueezySandbox {
    /// An API call: checks the Bearer key, reads a JSON body, answers `{jsonapi, links, data}` or the error list.
    func api(
        _ request: Request, status: HTTPResponse.Status = .ok, _ body: ([String: JSONValue]) async throws -> PaddleJSON
    ) async -> Response {
        do {
            guard request.headers[.authorization] == "Bearer \(Self.apiKey)" else {
                throw LemonSqueezySandboxError(status: 401, detail: "Unauthenticated.")
            }
            let data = try await body(try await Self.body(request))
            return Self.respond(status, .obj([
                "jsonapi": .obj(["version": "1.0"]), "links": .obj(["self": .string(LemonSqueezySandboxState.api.dropLast(4) + request.uri.path)]),
                "data": data,
            ]))
        } catch {
            return Self.errorResponse(error)
        }
    }

    /// A list with JSON:API paging (`page[number]`, `page[size]`, at most 100); `rows` gets the query's values.
    func list(_ request: Request, _ rows: (LemonSqueezySandboxState, (String) -> String?) -> [PaddleJSON]) -> Response {
        guard request.headers[.authorization] == "Bearer \(Self.apiKey)" else {
            return Self.errorResponse(LemonSqueezySandboxError(status: 401, detail: "Unauthenticated."))
        }
        let query = request.uri.queryParameters
        let all = state.withLock { rows($0, { query.get($0) }) }
        let size = min(max(query.get("page[size]").flatMap { Int($0) } ?? 10, 1), 100)
        let lastPage = max(1, (all.count + size - 1) / size)
        let number = min(max(query.get("page[number]").flatMap { Int($0) } ?? 1, 1), lastPage)
        let page = Array(all.dropFirst((number - 1) * size).prefix(size))
        return Self.respond(.ok, .obj([
            "meta": .obj(["page": .obj([
                "currentPage": .int(number), "from": .int(page.isEmpty ? 0 : (number - 1) * size + 1),
                "lastPage": .int(lastPage), "perPage": .int(size), "to": .int((number - 1) * size + page.count), "total": .int(all.count),
            ])]),
            "jsonapi": .obj(["version": "1.0"]),
            "links": .obj(["first": .string(LemonSqueezySandboxState.api + "subscriptions?page%5Bnumber%5D=1&page%5Bsize%5D=\(size)")]),
            "data": .array(page),
        ]))
    }

    /// A simulator step: runs `body`, delivers its webhooks (`?shuffle=1&duplicate=1&seed=N` reorders and doubles
    /// them), and answers `{data:{…, events:[names], digests:[…], delivered:[statuses]}}` in delivery order.
    func simulate(
        _ request: Request, _ body: @escaping ([String: JSONValue], Date) throws -> ([String: PaddleJSON], [LemonSqueezySandboxState.Event])
    ) async -> Response {
        do {
            let (fields, events) = try body(try await Self.body(request), now())
            let query = request.uri.queryParameters
            let deliveries = await send(
                events, shuffle: query.get("shuffle") == "1", duplicate: query.get("duplicate") == "1",
                seed: query.get("seed").flatMap { UInt64($0) })
            var data = PaddleJSON.object(fields.keys.sorted().map { PaddleJSON.Member(key: $0, value: fields[$0]!) })
            data.set("events", .array(deliveries.map { .string($0.eventName) }))
            data.set("digests", .array(deliveries.map { .string($0.digest) }))
            data.set("delivered", .array(deliveries.map { .int($0.status) }))
            return Self.respond(.ok, .obj(["data": data]))
        } catch {
            return Self.errorResponse(error)
        }
    }

    /// A JSON object body, or a form-encoded one (the licence API accepts both).
    static func body(_ request: Request) async throws -> [String: JSONValue] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard buffer.readableBytes > 0 else { return [:] }
        let data = Data(buffer.readableBytesView)
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
            var fields: [String: JSONValue] = [:]
            for item in components.queryItems ?? [] { fields[item.name] = .string(item.value ?? "") }
            return fields
        }
        do {
            return try JSONDecoder().decode([String: JSONValue].self, from: data)
        } catch {
            throw LemonSqueezySandboxError(status: 400, detail: "The request body is not valid JSON.")
        }
    }

    static func respond(_ status: HTTPResponse.Status, _ json: PaddleJSON) -> Response {
        Response(
            status: status, headers: [.contentType: "application/vnd.api+json"],
            body: .init(byteBuffer: ByteBuffer(string: phpJSON(json))))
    }

    static func errorResponse(_ error: any Error) -> Response {
        let failure = error as? LemonSqueezySandboxError ?? LemonSqueezySandboxError(status: 400, detail: "Invalid request.")
        var entry = PaddleJSON.obj([
            "detail": .string(failure.detail), "status": .string(String(failure.status)),
            "title": .string(failure.status == 404 ? "Not Found" : failure.status == 401 ? "Unauthorized" : "Unprocessable Entity"),
        ])
        if let pointer = failure.pointer { entry.set("source", .obj(["pointer": .string(pointer)])) }
        return respond(HTTPResponse.Status(code: failure.status), .obj(["jsonapi": .obj(["version": "1.0"]), "errors": .array([entry])]))
    }

    // MARK: Licence API

    /// `activate (license_key, instance_name)`, `validate (license_key, instance_id?)`,
    /// `deactivate (license_key, instance_id)`: `{activated|valid|deactivated, error, license_key, instance, meta}`.
    func license(_ request: Request, action: String) async -> Response {
        let flag = action == "activate" ? "activated" : action == "validate" ? "valid" : "deactivated"
        func answer(_ status: HTTPResponse.Status, ok: Bool, error: String?, key: LemonSqueezySandboxState.LicenseKey?,
                    instance: LemonSqueezySandboxState.Instance?, state: LemonSqueezySandboxState) -> Response {
            var members: [PaddleJSON.Member] = [.init(key: flag, value: .bool(ok)), .init(key: "error", value: .str(error))]
            if let key {
                let customer = state.customers[key.customerID]
                let variant = state.variant(key.variantID)
                members.append(.init(key: "license_key", value: .obj([
                    "id": .int(key.id), "status": .string(key.status), "key": .string(key.key),
                    "activation_limit": key.activationLimit.map(PaddleJSON.int) ?? .null, "activation_usage": .int(key.instances.count),
                    "created_at": LemonSqueezySandboxState.time(key.createdAt), "expires_at": LemonSqueezySandboxState.time(key.expiresAt),
                    "test_mode": .bool(true),
                ])))
                members.append(.init(key: "instance", value: instance.map {
                    .obj(["id": .string($0.id), "name": .string($0.name), "created_at": LemonSqueezySandboxState.time($0.createdAt)])
                } ?? .null))
                members.append(.init(key: "meta", value: .obj([
                    "store_id": .int(Int(Self.storeID)!), "order_id": .int(key.orderID), "order_item_id": .int(key.orderItemID),
                    "product_id": .int(52000), "product_name": "Scritorio Pro", "variant_id": .int(Int(key.variantID) ?? 0),
                    "variant_name": .string(variant.name), "customer_id": .int(key.customerID), "customer_name": .str(customer?.name),
                    "customer_email": .str(customer?.email),
                ])))
            } else {
                members.append(.init(key: "license_key", value: .null))
                members.append(.init(key: "instance", value: .null))
                members.append(.init(key: "meta", value: .null))
            }
            return Response(
                status: status, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: Self.phpJSON(.object(members)))))
        }
        let fields: [String: JSONValue]
        do { fields = try await Self.body(request) } catch { return Self.errorResponse(error) }
        let keyText = fields["license_key"]?.stringValue ?? ""
        let instanceName = fields["instance_name"]?.stringValue ?? ""
        let instanceID = fields["instance_id"]?.stringValue ?? ""
        if keyText.isEmpty { return answer(.unprocessableContent, ok: false, error: "The license key field is required.", key: nil, instance: nil, state: .init()) }
        if action == "activate", instanceName.isEmpty {
            return answer(.unprocessableContent, ok: false, error: "The instance name field is required.", key: nil, instance: nil, state: .init())
        }
        if action == "deactivate", instanceID.isEmpty {
            return answer(.unprocessableContent, ok: false, error: "The instance id field is required.", key: nil, instance: nil, state: .init())
        }
        let now = now()
        return state.withLock { state in
            guard var key = state.licenseKeys.values.first(where: { $0.key == keyText }) else {
                return answer(.notFound, ok: false, error: "license_key not found.", key: nil, instance: nil, state: state)
            }
            let instance = key.instances.first { $0.id == instanceID }
            switch action {
            case "activate":
                if key.status == "disabled" { return answer(.badRequest, ok: false, error: "This license key is disabled.", key: key, instance: nil, state: state) }
                if key.status == "expired" { return answer(.badRequest, ok: false, error: "This license key has expired.", key: key, instance: nil, state: state) }
                if let limit = key.activationLimit, key.instances.count >= limit {
                    return answer(.badRequest, ok: false, error: "This license key has reached the activation limit.", key: key, instance: nil, state: state)
                }
                let new = LemonSqueezySandboxState.Instance(id: UUID().uuidString.lowercased(), name: instanceName, createdAt: state.stamp(now))
                key.instances.append(new)
                key.status = "active"
                key.updatedAt = new.createdAt
                state.licenseKeys[key.id] = key
                return answer(.ok, ok: true, error: nil, key: key, instance: new, state: state)
            case "validate":
                if !instanceID.isEmpty, instance == nil {
                    return answer(.notFound, ok: false, error: "license_key instance not found.", key: key, instance: nil, state: state)
                }
                let valid = key.status == "active" || key.status == "inactive"
                return answer(.ok, ok: valid, error: valid ? nil : "This license key is \(key.status).", key: key, instance: instance, state: state)
            default:
                guard let instance else {
                    return answer(.notFound, ok: false, error: "license_key instance not found.", key: key, instance: nil, state: state)
                }
                key.instances.removeAll { $0.id == instance.id }
                if key.instances.isEmpty, key.status == "active" { key.status = "inactive" }
                key.updatedAt = state.stamp(now)
                state.licenseKeys[key.id] = key
                return answer(.ok, ok: true, error: nil, key: key, instance: nil, state: state)
            }
        }
    }
}
