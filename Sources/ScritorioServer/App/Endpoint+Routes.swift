import Foundation
import HTTPTypes
import Hummingbird
import ScritorioAPI

extension RouterMethods {
    /// Registers `handler` for `endpoint`, at the endpoint's path relative to the surface group this collection is
    /// mounted on: the server serves the routes ScritorioAPI describes, from the same description the SDK calls.
    @discardableResult
    func on<RequestBody, ResponseBody>(
        _ endpoint: Endpoint<RequestBody, ResponseBody>,
        use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(endpoint.path), method: HTTPRequest.Method(endpoint.method), use: handler)
    }
}

extension HTTPRequest.Method {
    /// The router's method for the contract's.
    init(_ method: APIMethod) {
        switch method {
        case .get: self = .get
        case .post: self = .post
        case .put: self = .put
        case .patch: self = .patch
        case .delete: self = .delete
        }
    }
}
