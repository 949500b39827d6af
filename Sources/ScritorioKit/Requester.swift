import Foundation
import ScritorioAPI
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Builds requests with the headers each surface expects and turns answers into values or typed errors.
struct Requester: Sendable {
    let baseURL: URL
    let publishableKey: String
    let transport: Transport

    static let apiVersion = "2024-01-01"
    static let clientInfo = "scritorio-kit/1.0"

    /// One call of `endpoint` without a body. `bearer` replaces the publishable key in `Authorization`.
    func call<Response>(
        _ endpoint: Endpoint<NoBody, Response>, parameters: [String: String] = [:], query: [URLQueryItem] = [], bearer: String? = nil
    ) throws -> Call {
        Call(request: try request(endpoint, parameters: parameters, query: query, body: nil, bearer: bearer))
    }

    /// One call of `endpoint` with `body` sent as JSON.
    func call<Body: Encodable & Sendable, Response>(
        _ endpoint: Endpoint<Body, Response>, body: Body, parameters: [String: String] = [:], query: [URLQueryItem] = [],
        bearer: String? = nil
    ) throws -> Call {
        Call(request: try request(endpoint, parameters: parameters, query: query, body: body, bearer: bearer))
    }

    /// The URL is the base URL's path followed by the endpoint's rendered path (the only place a path is made).
    private func request<Body, Response>(
        _ endpoint: Endpoint<Body, Response>, parameters: [String: String], query: [URLQueryItem], body: (any Encodable & Sendable)?,
        bearer: String?
    ) throws -> URLRequest {
        guard var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false) else {
            throw ScritorioError.invalidResponse("bad URL \(baseURL)")
        }
        components.percentEncodedPath = endpoint.renderedPath(parameters, under: components.percentEncodedPath)
        let items = endpoint.fixedQuery + query
        if !items.isEmpty { components.queryItems = items }
        guard let url = components.url else { throw ScritorioError.invalidResponse("bad URL \(endpoint.route)") }
        var request = URLRequest(url: url)
        request.httpMethod = endpoint.method.rawValue
        request.timeoutInterval = 30
        request.setValue(publishableKey, forHTTPHeaderField: "apikey")
        request.setValue("Bearer \(bearer ?? publishableKey)", forHTTPHeaderField: "Authorization")
        request.setValue(Self.apiVersion, forHTTPHeaderField: "X-Supabase-Api-Version")
        request.setValue(Self.clientInfo, forHTTPHeaderField: "X-Client-Info")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONEncoder().encode(body)
        }
        return request
    }

    /// Sends `request`; a 2xx answer's body is returned, anything else becomes a ``ScritorioError``.
    func send(_ call: Call) async throws -> (Data, HTTPURLResponse) {
        let data: Data
        let response: HTTPURLResponse
        do {
            (data, response) = try await transport.send(call.request)
        } catch let error as ScritorioError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ScritorioError.offline(error.localizedDescription)
        }
        guard (200..<300).contains(response.statusCode) else {
            throw Self.error(status: response.statusCode, body: data, headers: response)
        }
        return (data, response)
    }

    /// Sends and decodes a JSON answer.
    func json<T: Decodable>(_ type: T.Type, _ call: Call) async throws -> T {
        let (data, _) = try await send(call)
        return try Self.decode(type, data)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ScritorioError.invalidResponse("\(T.self): \(error)")
        }
    }

    /// Turns an error answer into a ``ScritorioError`` through the contract's ``ErrorEnvelope`` (every shape the
    /// server speaks). An exhausted AI quota carries its reset time, from the body or else the `x-quota-reset`
    /// header; a body without a message is shown as it came.
    static func error(status: Int, body: Data, headers: HTTPURLResponse?) -> ScritorioError {
        let envelope = ErrorEnvelope.read(body)
        if envelope.isQuotaExceeded {
            let reset = envelope.quotaResetsAt.flatMap(WireDate.parse)
                ?? (headers?.value(forHTTPHeaderField: "x-quota-reset")).flatMap(WireDate.parse)
            return .quotaExceeded(resetsAt: reset, message: envelope.humanMessage ?? "HTTP \(status)")
        }
        let fallback = envelope.isOpenAIShape
            ? "HTTP \(status)" : String(data: body, encoding: .utf8).map { $0.isEmpty ? "HTTP \(status)" : $0 } ?? "HTTP \(status)"
        return .server(status: status, code: envelope.code(status: status), message: envelope.humanMessage ?? fallback)
    }
}

/// A request ready to send, built from an endpoint of the contract (the only way the SDK makes one).
struct Call: Sendable {
    /// The HTTP request.
    var request: URLRequest
}
