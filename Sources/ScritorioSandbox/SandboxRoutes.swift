import Foundation
import Hummingbird
import ScritorioCore

/// The sandbox's HTTP surface: `GET /sandbox/mail`, `GET /sandbox/google/jwks`, `POST /sandbox/google/id-token`.
public struct SandboxRoutes<Context: RequestContext>: Sendable {
    public let outbox: MailOutbox
    public let google: FakeGoogleIssuer
    public let now: @Sendable () -> Date

    public init(outbox: MailOutbox, google: FakeGoogleIssuer, now: @escaping @Sendable () -> Date) {
        self.outbox = outbox
        self.google = google
        self.now = now
    }

    struct MailList: ResponseEncodable {
        var messages: [MailOutbox.Entry]
    }

    struct MintRequest: Decodable {
        var email: String
        var sub: String?
        var nonce: String?
        var name: String?
        var aud: String?
        var email_verified: Bool?
    }

    struct MintResponse: ResponseEncodable {
        var id_token: String
    }

    public var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self)
            .get("mail") { request, _ -> MailList in
                MailList(messages: outbox.list(to: request.uri.queryParameters.get("to")))
            }
            .get("google/jwks") { _, _ -> Response in
                let body = try JSONEncoder().encode(try google.jwks())
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: body)))
            }
            .post("google/id-token") { request, context -> MintResponse in
                let body = try await request.decode(as: MintRequest.self, context: context)
                guard EmailAddress.normalize(body.email) != nil else {
                    throw HTTPError(.badRequest, message: "email is not a valid address")
                }
                let token = try google.mint(
                    email: body.email, sub: body.sub, nonce: body.nonce, name: body.name, audience: body.aud,
                    emailVerified: body.email_verified ?? true, now: now())
                return MintResponse(id_token: token)
            }
    }
}
