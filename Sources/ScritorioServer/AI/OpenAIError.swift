import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ScritorioAPI

/// An error of the `/ai/v1` surface, rendered in OpenAI's shape (`{"error":{"message","type","param","code"}}`)
/// with OpenAI's status codes, so the official clients raise the matching exception.
struct OpenAIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String
    var type: String
    var code: String?
    var param: String?
    var headers: HTTPFields = [:]

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", code: code, param: param)
    }

    static func authentication(_ message: String) -> OpenAIError {
        OpenAIError(status: .unauthorized, message: message, type: "invalid_request_error", code: "invalid_api_key")
    }

    static func modelNotInPlan(_ model: String, plan: String) -> OpenAIError {
        OpenAIError(
            status: .forbidden, message: "The model `\(model)` is not available on the \(plan) plan.",
            type: "invalid_request_error", code: "model_not_in_plan", param: "model")
    }

    static let timeout = OpenAIError(
        status: .gatewayTimeout, message: "The upstream did not answer in time.", type: "timeout", code: "upstream_timeout")

    static let unreachable = OpenAIError(
        status: .badGateway, message: "The upstream could not be reached.", type: "server_error", code: "upstream_unreachable")

    /// The upstream refused the gateway's own key. Its answer names part of that key and would tell the caller
    /// their token is wrong, so it is never passed on.
    static let upstreamCredentials = OpenAIError(
        status: .badGateway, message: "The AI gateway's upstream credentials were rejected.", type: "server_error",
        code: "upstream_auth")

    /// The largest output a request may ask for: far above any model's, and small enough that an estimate never
    /// overflows.
    static let maxOutputTokens: Int64 = 1 << 32
    /// OpenAI's own bound on a chat's `n`.
    static let maxChoices: Int64 = 128

    static let notConfigured = OpenAIError(
        status: .serviceUnavailable, message: "The AI gateway has no upstream configured.", type: "server_error", code: "not_configured")

    /// The JSON body.
    var body: String {
        let param = self.param.map(Self.quote) ?? "null"
        let code = self.code.map(Self.quote) ?? "null"
        return #"{"error":{"message":\#(Self.quote(message)),"type":\#(Self.quote(type)),"param":\#(param),"code":\#(code)}}"#
    }

    func response(requestID: String) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[AIHeaders.requestID] = requestID
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

/// Header names the gateway reads and writes.
enum AIHeaders {
    static let requestID = HTTPField.Name("x-request-id")!
    static let upstreamRequestID = HTTPField.Name("x-upstream-request-id")!
    static let shouldRetry = HTTPField.Name("x-should-retry")!
    static let quotaReset = HTTPField.Name("x-quota-reset")!
}

extension OpenAIError {
    /// A refused reservation as OpenAI's 429: the per-minute limit (and a busy allowance) retryable, a used-up
    /// allowance not before it resets, which `x-quota-reset` tells.
    init(_ refusal: AIRefusal) {
        switch refusal {
        case .perMinute(let limit, let retryAfter):
            self.init(
                status: .tooManyRequests, message: "Rate limit reached: \(limit) requests per minute. Try again shortly.",
                type: "requests", code: "rate_limit_exceeded")
            headers[.retryAfter] = String(retryAfter)
            headers[AIHeaders.shouldRetry] = "true"
        case .quota(let what, let limit, let plan, let resets, let retryAfter):
            self.init(
                status: .tooManyRequests,
                message: "You exceeded your \(what) allowance (\(limit)) on the \(plan) plan; it resets at \(WireDate.format(resets)).",
                type: "insufficient_quota", code: "insufficient_quota")
            headers[.retryAfter] = String(retryAfter)
            headers[AIHeaders.shouldRetry] = "false"
            headers[AIHeaders.quotaReset] = WireDate.format(resets)
        case .busy:
            self.init(status: .tooManyRequests, message: "The allowance is busy; try again.", type: "requests", code: "rate_limit_exceeded")
            headers[.retryAfter] = "1"
        }
    }
}
