import Foundation
import Hummingbird
import NIOCore
import ScritorioAPI
import ScritorioCore

extension PaddleSandbox {
    /// The fake's HTTP surface, mounted by the server at `/sandbox/paddle`: Paddle's API paths (Bearer
    /// `apiKey` required) and the simulator's plain POSTs (no key).
    public func routes<Context: RequestContext>() -> RouteCollection<Context> {
        RouteCollection(context: Context.self)
            // MARK: API
            .post("transactions") { request, context in
                await self.handle(request, context, auth: true, status: .created) { json in try self.createTransaction(json) }
            }
            .get("transactions") { request, context in
                await self.handle(request, context, auth: true) { _ in try self.listTransactions(request) }
            }
            .get("transactions/:id") { request, context in
                await self.handle(request, context, auth: true) { _ in
                    let id = context.parameters.get("id") ?? ""
                    return .single(try self.state.withLock { state in state.transactionJSON(try state.transaction(id)) })
                }
            }
            .get("subscriptions/:id") { request, context in
                await self.handle(request, context, auth: true) { _ in
                    let id = context.parameters.get("id") ?? ""
                    return .single(try self.state.withLock { state in
                        state.subscriptionJSON(try state.subscription(id), management: true)
                    })
                }
            }
            .post("subscriptions/:id/cancel") { request, context in
                await self.handle(request, context, auth: true) { json in
                    let immediately = try Self.effectiveFrom(json)
                    return try self.changeSubscription(context.parameters.get("id") ?? "") { try $0.cancel($1, immediately: immediately, now: $2) }
                }
            }
            .post("subscriptions/:id/pause") { request, context in
                await self.handle(request, context, auth: true) { json in
                    let immediately = try Self.effectiveFrom(json)
                    return try self.changeSubscription(context.parameters.get("id") ?? "") { try $0.pause($1, immediately: immediately, now: $2) }
                }
            }
            .post("subscriptions/:id/resume") { request, context in
                await self.handle(request, context, auth: true) { _ in
                    try self.changeSubscription(context.parameters.get("id") ?? "") { try $0.resume($1, now: $2) }
                }
            }
            .get("customers/:id") { request, context in
                await self.handle(request, context, auth: true) { _ in
                    let id = context.parameters.get("id") ?? ""
                    return .single(try self.state.withLock { state in
                        guard let customer = state.customers[id] else { throw PaddleSandboxError.notFound("customer", id) }
                        return state.customerJSON(customer)
                    })
                }
            }
            .post("customers/:id/portal-sessions") { request, context in
                await self.handle(request, context, auth: true, status: .created) { json in
                    try self.portalSession(customerID: context.parameters.get("id") ?? "", json)
                }
            }
            .get("events") { request, context in
                await self.handle(request, context, auth: true) { _ in
                    let events = self.state.withLock { $0.events }.map { event in
                        PaddleJSON.obj([
                            "event_id": .string(event.id), "event_type": .string(event.type),
                            "occurred_at": .string(WireDate.format(event.occurredAt)), "data": event.data,
                        ])
                    }
                    return Self.page(events.map { ($0["event_id"]?.stringText ?? "", $0) }, request)
                }
            }
            // MARK: Simulator
            .post("transactions/:id/complete") { request, context in
                await self.simulate(request, context) { json, now in
                    let email = json["email"]?.stringValue ?? "buyer@example.com"
                    let (txn, sub, events) = try self.mutate {
                        try $0.completeCheckout(
                            context.parameters.get("id") ?? "", email: email, name: json["name"]?.stringValue,
                            country: json["country_code"]?.stringValue ?? "US", now: now)
                    }
                    return (["transaction_id": .string(txn.id), "subscription_id": .str(sub?.id)], events)
                }
            }
            .post("subscriptions/:id/renew") { request, context in
                await self.simulate(request, context) { _, now in
                    ([:], try self.mutate { try $0.endPeriod(context.parameters.get("id") ?? "", now: now) })
                }
            }
            .post("subscriptions/:id/end-period") { request, context in
                await self.simulate(request, context) { _, now in
                    ([:], try self.mutate { try $0.endPeriod(context.parameters.get("id") ?? "", now: now) })
                }
            }
            .post("subscriptions/:id/fail-payment") { request, context in
                await self.simulate(request, context) { _, now in
                    ([:], try self.mutate { try $0.renew(context.parameters.get("id") ?? "", paymentFails: true, now: now) })
                }
            }
            .post("subscriptions/:id/recover") { request, context in
                await self.simulate(request, context) { _, now in
                    ([:], try self.mutate { try $0.recover(context.parameters.get("id") ?? "", now: now) })
                }
            }
            .post("subscriptions/:id/refund") { request, context in
                await self.simulate(request, context) { json, now in
                    let cancel = json["cancel"] != .bool(false) && request.uri.queryParameters.get("cancel") != "0"
                    return ([:], try self.mutate { try $0.refund(context.parameters.get("id") ?? "", cancel: cancel, now: now) })
                }
            }
    }

    // MARK: - Handlers

    /// An answer's `data` (and, for lists, `meta.pagination`).
    enum Answer {
        case single(PaddleJSON)
        case list([PaddleJSON], pagination: PaddleJSON)
    }

    func createTransaction(_ json: [String: JSONValue]) throws -> Answer {
        guard case .array(let rawItems)? = json["items"] else { throw PaddleSandboxError.invalid("items is required") }
        let items = try rawItems.map { raw -> PaddleSandboxState.Item in
            guard let object = raw.objectValue, let priceID = object["price_id"]?.stringValue,
                case .number(let quantity)? = object["quantity"], quantity == quantity.rounded()
            else { throw PaddleSandboxError.invalid("items[]: price_id and an integer quantity are required") }
            return PaddleSandboxState.Item(priceID: priceID, quantity: Int(quantity))
        }
        var customData: [String: JSONValue]?
        switch json["custom_data"] {
        case nil, .null?: customData = nil
        case .object(let object)?: customData = object
        default: throw PaddleSandboxError.invalid("custom_data must be an object")
        }
        let checkoutBase = json["checkout"]?.objectValue?["url"]?.stringValue ?? checkoutBaseURL
        let now = now()
        let (txn, events) = try mutate {
            try $0.createTransaction(
                items: items, customerID: json["customer_id"]?.stringValue, customData: customData,
                checkoutBase: checkoutBase, now: now)
        }
        sendLater(events)
        return .single(state.withLock { $0.transactionJSON(txn) })
    }

    func listTransactions(_ request: Request) throws -> Answer {
        let query = request.uri.queryParameters
        let statuses = query.get("status").map { Set($0.split(separator: ",").map(String.init)) }
        let rows = state.withLock { state in
            state.transactionOrder.compactMap { state.transactions[$0] }.filter { txn in
                (query.get("subscription_id").map { $0.split(separator: ",").contains(Substring(txn.subscriptionID ?? "")) } ?? true)
                    && (query.get("customer_id").map { $0.split(separator: ",").contains(Substring(txn.customerID ?? "")) } ?? true)
                    && (statuses.map { $0.contains(txn.status) } ?? true)
            }.map { ($0.id, state.transactionJSON($0)) }
        }
        return Self.page(rows, request)
    }

    func changeSubscription(
        _ id: String, _ change: (inout PaddleSandboxState, String, Date) throws -> (PaddleSandboxState.Subscription, [PaddleSandboxState.Event])
    ) throws -> Answer {
        let now = now()
        let (json, events) = try state.withLock { state in
            let (sub, events) = try change(&state, id, now)
            return (state.subscriptionJSON(sub, management: true), events)
        }
        sendLater(events)
        return .single(json)
    }

    func portalSession(customerID: String, _ json: [String: JSONValue]) throws -> Answer {
        var subscriptionIDs: [String] = []
        if case .array(let ids)? = json["subscription_ids"] { subscriptionIDs = ids.compactMap(\.stringValue) }
        let now = now()
        return .single(try state.withLock { state in
            guard state.customers[customerID] != nil else { throw PaddleSandboxError.notFound("customer", customerID) }
            for id in subscriptionIDs where state.subscriptions[id]?.customerID != customerID {
                throw PaddleSandboxError.invalid("subscription \(id) does not belong to customer \(customerID)")
            }
            let portal = "https://sandbox-customer-portal.paddle.com/" + PaddleID.make("cpl")
            let token = "pga_" + PaddleID.make("tok").dropFirst(4)
            return .obj([
                "id": .string(PaddleID.make("cpls")), "customer_id": .string(customerID),
                "urls": .obj([
                    "general": .obj(["overview": .string("\(portal)?action=overview&token=\(token)")]),
                    "subscriptions": .array(subscriptionIDs.map { id in
                        .obj([
                            "id": .string(id),
                            "cancel_subscription": .string("\(portal)?action=cancel_subscription&subscription_id=\(id)&token=\(token)"),
                            "update_subscription_payment_method": .string(
                                "\(portal)?action=update_subscription_payment_method&subscription_id=\(id)&token=\(token)"),
                        ])
                    }),
                ]),
                "created_at": PaddleSandboxState.time(state.stamp(now)),
            ])
        })
    }

    static func effectiveFrom(_ json: [String: JSONValue]) throws -> Bool {
        switch json["effective_from"]?.stringValue {
        case nil, "next_billing_period": return false
        case "immediately": return true
        case let other?: throw PaddleSandboxError.invalid("effective_from must be next_billing_period or immediately, not \(other)")
        }
    }

    /// Paddle's cursor pagination: `after` an id, `per_page` (default 50, at most 200).
    static func page(_ rows: [(String, PaddleJSON)], _ request: Request) -> Answer {
        let query = request.uri.queryParameters
        let perPage = min(max(query.get("per_page").flatMap { Int($0) } ?? 50, 1), 200)
        var remaining = rows[...]
        if let after = query.get("after"), let index = rows.firstIndex(where: { $0.0 == after }) {
            remaining = rows[(index + 1)...]
        }
        let page = Array(remaining.prefix(perPage))
        let hasMore = remaining.count > page.count
        let next = "\(request.uri.path)?per_page=\(perPage)" + (page.last.map { "&after=\($0.0)" } ?? "")
        return .list(page.map(\.1), pagination: .obj([
            "per_page": .int(perPage), "next": .string(next), "has_more": .bool(hasMore), "estimated_total": .int(rows.count),
        ]))
    }
}

extension PaddleJSON {
    var stringText: String? { if case .string(let text) = self { text } else { nil } }
}
