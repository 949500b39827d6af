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

    /// One request. `bearer` replaces the publishable key in `Authorization`; `body` is sent as JSON.
    func request(
        _ method: String, _ path: String, query: [URLQueryItem] = [], body: (any Encodable & Sendable)? = nil,
        bearer: String? = nil
    ) throws -> URLRequest {
        guard var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false) else {
            throw ScritorioError.invalidResponse("bad URL \(baseURL)\(path)")
        }
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw ScritorioError.invalidResponse("bad URL \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
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
    func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        let data: Data
        let response: HTTPURLResponse
        do {
            (data, response) = try await transport.send(request)
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
    func json<T: Decodable>(_ type: T.Type, _ request: URLRequest) async throws -> T {
        let (data, _) = try await send(request)
        return try Self.decode(type, data)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ScritorioError.invalidResponse("\(T.self): \(error)")
        }
    }

    /// Reads every error shape the server speaks: GoTrue's `{"code","message"}` (and the legacy `error_code`/`msg`),
    /// the OAuth `{"error","error_description"}`, the product API's `{"error","message"}`, and OpenAI's
    /// `{"error":{"message","code"}}` (where an exhausted quota carries its reset time).
    static func error(status: Int, body: Data, headers: HTTPURLResponse?) -> ScritorioError {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        if let nested = object["error"] as? [String: Any] {
            let code = nested["code"] as? String ?? nested["type"] as? String ?? "http_\(status)"
            let message = nested["message"] as? String ?? "HTTP \(status)"
            if code == "insufficient_quota" || code == "quota_exceeded" {
                let reset = (nested["resets_at"] as? String ?? nested["reset_at"] as? String ?? object["resets_at"] as? String)
                    .flatMap(WireDate.parse)
                    ?? (headers?.value(forHTTPHeaderField: "x-quota-reset")).flatMap(WireDate.parse)
                return .quotaExceeded(resetsAt: reset, message: message)
            }
            return .server(status: status, code: code, message: message)
        }
        let code = object["code"] as? String ?? object["error_code"] as? String ?? object["error"] as? String ?? "http_\(status)"
        let message = object["message"] as? String ?? object["msg"] as? String ?? object["error_description"] as? String
            ?? object["error"] as? String ?? (String(data: body, encoding: .utf8).map { $0.isEmpty ? "HTTP \(status)" : $0 } ?? "HTTP \(status)")
        return .server(status: status, code: code, message: message)
    }
}

/// An empty JSON object body (`{}`), as the seed's `functions.invoke(name, {body: {}})` sends.
struct EmptyBody: Codable, Sendable {}
