import Foundation
import Hummingbird
import NIOCore
import ScritorioAPI
import ScritorioCore

extension LemonSqueezySandbox {
    /// The fake's HTTP surface, mounted by the server at `/sandbox/lemonsqueezy`: Lemon Squeezy's API under `v1/`
    /// (Bearer `apiKey`), its licence API (no key), and the simulator's plain POSTs.
    public func routes<Context: RequestContext>() -> RouteCollection<Context> {
        RouteCollection(context: Context.self)
            // MARK: API
            .post("v1/checkouts") { request, context in
                await self.api(request, status: .created) { json in try self.createCheckout(json) }
            }
            .get("v1/checkouts/:id") { request, context in
                await self.api(request) { _ in
                    let id = context.parameters.get("id") ?? ""
                    return try self.state.withLock { state in
                        guard let checkout = state.checkouts[id] else { throw LemonSqueezySandboxError.notFound("checkout", id) }
                        return Self.checkoutJSON(checkout)
                    }
                }
            }
            .get("v1/subscriptions") { request, _ in
                self.list(request) { state, query in state.subscriptionRows(query) }
            }
            .get("v1/subscriptions/:id") { request, context in
                await self.api(request) { _ in
                    try self.state.withLock { state in state.subscriptionJSON(try state.subscription(context.parameters.get("id") ?? "")) }
                }
            }
            .patch("v1/subscriptions/:id") { request, context in
                await self.api(request) { json in try self.updateSubscription(context.parameters.get("id") ?? "", json) }
            }
            .delete("v1/subscriptions/:id") { request, context in
                await self.api(request) { _ in
                    let now = self.now()
                    let (json, events) = try self.mutate { state in
                        let (sub, events) = try state.cancel(context.parameters.get("id") ?? "", now: now)
                        return (state.subscriptionJSON(sub), events)
                    }
                    self.sendLater(events)
                    return json
                }
            }
            .get("v1/orders/:id") { request, context in
                await self.api(request) { _ in
                    let id = context.parameters.get("id") ?? ""
                    return try self.state.withLock { state in
                        guard let order = Int(id).flatMap({ state.orders[$0] }) else { throw LemonSqueezySandboxError.notFound("order", id) }
                        return state.orderJSON(order)
                    }
                }
            }
            .get("v1/license-keys/:id") { request, context in
                await self.api(request) { _ in
                    let id = context.parameters.get("id") ?? ""
                    return try self.state.withLock { state in
                        guard let key = Int(id).flatMap({ state.licenseKeys[$0] }) else { throw LemonSqueezySandboxError.notFound("license key", id) }
                        return state.licenseJSON(key)
                    }
                }
            }
            // MARK: Licence API (no API key)
            .post("v1/licenses/activate") { request, _ in await self.license(request, action: "activate") }
            .post("v1/licenses/validate") { request, _ in await self.license(request, action: "validate") }
            .post("v1/licenses/deactivate") { request, _ in await self.license(request, action: "deactivate") }
            // MARK: Simulator
            .post("checkouts/:id/complete") { request, context in
                await self.simulate(request) { json, now in
                    let (order, sub, key, events) = try self.mutate {
                        try $0.complete(
                            checkout: context.parameters.get("id") ?? "", email: json["email"]?.stringValue,
                            name: json["name"]?.stringValue, now: now)
                    }
                    return ([
                        "order_id": .string(String(order.id)), "subscription_id": .string(String(sub.id)),
                        "license_key_id": .string(String(key.id)), "license_key": .string(key.key),
                    ], events)
                }
            }
            .post("subscriptions/:id/:action") { request, context in
                await self.simulate(request) { json, now in
                    let id = context.parameters.get("id") ?? ""
                    let action = context.parameters.get("action") ?? ""
                    let events: [LemonSqueezySandboxState.Event] = try self.mutate { state in
                        switch action {
                        case "renew": return try state.renew(id, fails: false, now: now)
                        case "fail-payment": return try state.renew(id, fails: true, now: now)
                        case "recover": return try state.recover(id, now: now)
                        case "cancel": return try state.cancel(id, now: now).1
                        case "expire": return try state.expire(id, now: now)
                        case "pause-void": return try state.pause(id, mode: "void", resumesAt: nil, now: now).1
                        case "pause-free": return try state.pause(id, mode: "free", resumesAt: nil, now: now).1
                        case "resume": return try state.resume(id, now: now).1
                        case "refund":
                            let cancel = json["cancel"] != .bool(false) && request.uri.queryParameters.get("cancel") != "0"
                            return try state.refund(id, cancel: cancel, now: now)
                        default: throw LemonSqueezySandboxError(status: 404, detail: "Unknown action \(action).")
                        }
                    }
                    return (["subscription_id": .string(id)], events)
                }
            }
    }

    // MARK: - Handlers

    func createCheckout(_ json: [String: JSONValue]) throws -> PaddleJSON {
        guard let data = json["data"]?.objectValue, data["type"]?.stringValue == "checkouts" else {
            throw LemonSqueezySandboxError.invalid("The data.type field must be checkouts.", pointer: "/data/type")
        }
        let attributes = data["attributes"]?.objectValue ?? [:]
        let relationships = data["relationships"]?.objectValue ?? [:]
        guard let store = relationships["store"]?.objectValue?["data"]?.objectValue?["id"]?.stringValue else {
            throw LemonSqueezySandboxError.invalid("The store field is required.", pointer: "/data/relationships/store")
        }
        guard store == Self.storeID else {
            throw LemonSqueezySandboxError.invalid("The related resource does not exist.", pointer: "/data/relationships/store")
        }
        guard let variant = relationships["variant"]?.objectValue?["data"]?.objectValue?["id"]?.stringValue else {
            throw LemonSqueezySandboxError.invalid("The variant field is required.", pointer: "/data/relationships/variant")
        }
        let checkoutData = attributes["checkout_data"]?.objectValue ?? [:]
        var custom: [String: JSONValue] = [:]
        switch checkoutData["custom"] {
        case nil, .null?: break
        case .object(let object)?: custom = object
        default: throw LemonSqueezySandboxError.invalid("The checkout_data.custom field must be an object.", pointer: "/data/attributes/checkout_data/custom")
        }
        let testMode = attributes["test_mode"] == .bool(true)
        guard testMode else {
            // The sandbox plays test mode only: a live checkout would be a set-up mistake.
            throw LemonSqueezySandboxError.invalid("The related resource does not exist.", pointer: "/data/relationships/variant")
        }
        let now = now()
        let checkout = try mutate {
            try $0.createCheckout(variantID: variant, email: checkoutData["email"]?.stringValue, custom: custom, testMode: testMode, now: now)
        }
        return Self.checkoutJSON(checkout)
    }

    static func checkoutJSON(_ checkout: LemonSqueezySandboxState.Checkout) -> PaddleJSON {
        .obj([
            "type": "checkouts", "id": .string(checkout.id),
            "attributes": .obj([
                "store_id": .int(Int(storeID)!), "variant_id": .int(Int(checkout.variantID) ?? 0), "custom_price": .null,
                "product_options": .obj(["redirect_url": ""]),
                "checkout_options": .obj(["embed": .bool(false)]),
                "checkout_data": .obj(["email": .str(checkout.email), "custom": PaddleJSON(.object(checkout.custom))]),
                "expires_at": .null, "created_at": LemonSqueezySandboxState.time(checkout.createdAt),
                "updated_at": LemonSqueezySandboxState.time(checkout.createdAt), "test_mode": .bool(checkout.testMode),
                "url": .string(checkout.url),
            ]),
            "relationships": .obj([
                "store": .obj(["links": .obj(["related": .string(LemonSqueezySandboxState.api + "checkouts/\(checkout.id)/store")])]),
                "variant": .obj(["links": .obj(["related": .string(LemonSqueezySandboxState.api + "checkouts/\(checkout.id)/variant")])]),
            ]),
            "links": .obj(["self": .string(LemonSqueezySandboxState.api + "checkouts/\(checkout.id)")]),
        ])
    }

    /// `PATCH /v1/subscriptions/:id` with `{data:{type, id, attributes:{cancelled:false} | {pause:{mode}|null}}}`.
    func updateSubscription(_ id: String, _ json: [String: JSONValue]) throws -> PaddleJSON {
        let attributes = json["data"]?.objectValue?["attributes"]?.objectValue ?? [:]
        let now = now()
        let (data, events) = try mutate { state -> (PaddleJSON, [LemonSqueezySandboxState.Event]) in
            if attributes["cancelled"] == .bool(false) || attributes["pause"] == .null {
                let (sub, events) = try state.resume(id, now: now)
                return (state.subscriptionJSON(sub), events)
            }
            if let mode = attributes["pause"]?.objectValue?["mode"]?.stringValue {
                guard mode == "void" || mode == "free" else {
                    throw LemonSqueezySandboxError.invalid("The pause.mode field must be void or free.", pointer: "/data/attributes/pause/mode")
                }
                let (sub, events) = try state.pause(id, mode: mode, resumesAt: nil, now: now)
                return (state.subscriptionJSON(sub), events)
            }
            return (state.subscriptionJSON(try state.subscription(id)), [])
        }
        sendLater(events)
        return data
    }
}

extension LemonSqueezySandboxState {
    /// `GET /v1/subscriptions` with its filters (`filter[store_id|order_id|status|user_email]`).
    func subscriptionRows(_ query: (String) -> String?) -> [PaddleJSON] {
        let all = subscriptions.values.sorted { $0.id < $1.id }
        let matching = all.filter { sub in
            if let store = query("filter[store_id]"), store != LemonSqueezySandbox.storeID { return false }
            if let order = query("filter[order_id]"), order != String(sub.orderID) { return false }
            if let status = query("filter[status]"), status != sub.status { return false }
            if let email = query("filter[user_email]"), email.lowercased() != customers[sub.customerID]?.email.lowercased() { return false }
            return true
        }
        return matching.map { subscriptionJSON($0) }
    }
}
