import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// `scritorio simulate paddle complete TXN` and friends: play the buyer and the billing clock against a running
/// `serve --sandbox`, from the shell.
/// The server `simulate` drives: `SCRITORIO_URL`, as for `scritorio account`, else the default address of `serve`.
private let sandboxURL = ProcessInfo.processInfo.environment["SCRITORIO_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive the sandbox's fake providers.", subcommands: [PaddleCommand.self, LemonSqueezyCommand.self])

    struct PaddleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "paddle",
            abstract: "complete TXN | renew SUB | fail-payment SUB | recover SUB | end-period SUB | refund SUB")

        @Argument(help: "complete, renew, fail-payment, recover, end-period or refund") var action: String
        @Argument(help: "The transaction id (complete) or subscription id (the others).") var id: String
        @Option(help: "The sandbox server's URL (env SCRITORIO_URL, default http://127.0.0.1:8080).") var url = sandboxURL
        @Flag(help: "Deliver the events out of order.") var shuffle = false
        @Flag(help: "Deliver every event twice.") var duplicate = false

        func run() async throws {
            let path: String
            switch action {
            case "complete": path = "transactions/\(id)/complete"
            case "renew", "fail-payment", "recover", "end-period", "refund": path = "subscriptions/\(id)/\(action)"
            default: throw ValidationError("unknown action \(action)")
            }
            guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw ValidationError("invalid id \(id)") }
            var query: [String] = []
            if shuffle { query.append("shuffle=1") }
            if duplicate { query.append("duplicate=1") }
            var request = HTTPClientRequest(url: "\(url)/sandbox/paddle/\(path)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
            request.method = .POST
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            print(String(buffer: body))
            guard response.status.code < 300 else { throw ExitCode.failure }
        }
    }

    struct LemonSqueezyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lemonsqueezy",
            abstract: "complete CHECKOUT | renew | fail-payment | recover | cancel | expire | pause-void | pause-free | resume | refund SUB")

        static let actions = ["renew", "fail-payment", "recover", "cancel", "expire", "pause-void", "pause-free", "resume", "refund"]

        @Argument(help: "complete, or one of: \(actions.joined(separator: ", "))") var action: String
        @Argument(help: "The checkout id (complete) or subscription id (the others).") var id: String
        @Option(help: "The sandbox server's URL (env SCRITORIO_URL, default http://127.0.0.1:8080).") var url = sandboxURL
        @Option(help: "The buyer's email (complete).") var email: String?
        @Flag(help: "Deliver the webhooks out of order.") var shuffle = false
        @Flag(help: "Deliver every webhook twice.") var duplicate = false

        func run() async throws {
            let path: String
            switch action {
            case "complete": path = "checkouts/\(id)/complete"
            case let other where Self.actions.contains(other): path = "subscriptions/\(id)/\(other)"
            default: throw ValidationError("unknown action \(action)")
            }
            guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { throw ValidationError("invalid id \(id)") }
            var query: [String] = []
            if shuffle { query.append("shuffle=1") }
            if duplicate { query.append("duplicate=1") }
            var request = HTTPClientRequest(url: "\(url)/sandbox/lemonsqueezy/\(path)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
            request.method = .POST
            if let email {
                request.headers.add(name: "Content-Type", value: "application/json")
                let body = try JSONSerialization.data(withJSONObject: ["email": email])
                request.body = .bytes(ByteBuffer(data: body))
            }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            print(String(buffer: body))
            guard response.status.code < 300 else { throw ExitCode.failure }
        }
    }
}
