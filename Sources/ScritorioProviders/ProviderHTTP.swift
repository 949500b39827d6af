import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ScritorioCore

/// One JSON exchange with a payment provider's REST API: the bearer key, a body encoded with sorted keys and
/// unescaped slashes, and the answer collected whole. Each client maps the outcome onto its own error type.
enum ProviderHTTP {
    /// The connection failed or the answer did not arrive in time; the text describes the connection only
    /// (AsyncHTTPClient's errors never include request headers, so never the key).
    struct TransportError: Error { var description: String }

    static func exchange(
        _ client: HTTPClient, url: String, method: HTTPMethod, apiKey: String, headers: [(String, String)],
        body: (some Encodable)?, timeout: TimeAmount, maxBody: Int
    ) async throws -> (status: Int, bytes: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            request.body = .bytes(ByteBuffer(data: try encoder.encode(body)))
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            var buffer = try await response.body.collect(upTo: maxBody)
            return (Int(response.status.code), buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            throw TransportError(description: String(describing: error))
        }
    }
}

/// Delivers a provider-shaped webhook (JSON body plus its signature headers) over HTTP: how the sandbox's fake
/// Paddle and Lemon Squeezy reach the server's own `/webhooks/…` (or wherever an operator points them).
public enum WebhookDelivery {
    /// POSTs `body` to `url` with `headers`; returns the answer's status.
    public static func post(_ url: String, body: String, headers: [(String, String)]) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code)
    }
}
