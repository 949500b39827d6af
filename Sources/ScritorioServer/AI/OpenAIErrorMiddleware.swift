import Foundation
import Hummingbird
import ScritorioStore

/// The `/ai/v1` group's error edge: a failure raised before the gateway's handlers run (the token check) is
/// answered in OpenAI's shape, so the official clients raise their authentication error, with a request id
/// like every other answer of the surface.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            return error.response(requestID: AIGateway.requestID())
        } catch let error as APIError {
            return Self.map(error).response(requestID: AIGateway.requestID())
        } catch StoreError.busy, StoreError.lockTimeout {
            // The allowance's row could not be had in time: nothing was reserved or sent; the client may retry.
            return OpenAIError(status: .serviceUnavailable, message: "The gateway is busy; try again.", type: "server_error", code: "overloaded")
                .response(requestID: AIGateway.requestID())
        } catch {
            let requestID = AIGateway.requestID()
            context.logger.error("AI gateway failure", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error))"])
            return OpenAIError(status: .internalServerError, message: "The gateway failed; try again.", type: "server_error", code: "internal_error")
                .response(requestID: requestID)
        }
    }

    /// Any token failure is OpenAI's 401 (a 503 when the issuer's keys cannot be had).
    static func map(_ error: APIError) -> OpenAIError {
        switch error.code {
        case _ where error.status == .serviceUnavailable:
            OpenAIError(status: .serviceUnavailable, message: error.message, type: "server_error", code: "auth_unavailable")
        case .noAuthorization:
            .authentication("You didn't provide an API key. Send your access token as `Authorization: Bearer <token>`.")
        case .sessionNotFound, .userNotFound:
            .authentication("Incorrect API key provided: the session of this access token has ended.")
        default:
            .authentication("Incorrect API key provided: the access token is not valid (\(error.message)).")
        }
    }
}
