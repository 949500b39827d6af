import Foundation
import Hummingbird
import ScritorioAPI
import ScritorioCore

/// `GET /pay?_ptxn=txn_…`: the checkout page a Paddle transaction's `checkout.url` points at. It loads Paddle.js in
/// the configured environment and opens the transaction. In the sandbox there is no Paddle.js to load, so it offers
/// a button that plays the buyer's part against the sandbox.
struct PagesController: Sendable {
    let paddle: PaddleConfig
    let sandbox: Bool

    func register(on router: Router<AppRequestContext>) {
        router.on(API.Site.pay, use: pay)
    }

    @Sendable func pay(_ request: Request, context: AppRequestContext) async throws -> Response {
        let transaction = request.uri.queryParameters.get("_ptxn") ?? ""
        // Only Paddle's id alphabet reaches the page, so nothing the caller sends is interpreted as HTML or script.
        guard transaction.hasPrefix("txn_"), transaction.count <= 64,
            transaction.utf8.allSatisfy({ (48...57).contains($0) || (97...122).contains($0) || $0 == 95 })
        else {
            throw APIError(.badRequest, .validationFailed, "Missing or invalid _ptxn")
        }
        let body = sandbox && paddle.apiKey == nil ? Self.sandboxPage(transaction) : Self.paddlePage(transaction, config: paddle)
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func paddlePage(_ transaction: String, config: PaddleConfig) -> String {
        let environment = config.mode == .live ? "" : "Paddle.Environment.set('sandbox');"
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Checkout</title>
            <script src="https://cdn.paddle.com/paddle/v2/paddle.js"></script></head>
            <body><p>Opening checkout…</p><script>
            \(environment)
            Paddle.Initialize({ token: \(jsString(config.clientToken)) });
            Paddle.Checkout.open({ transactionId: \(jsString(transaction)) });
            </script></body></html>
            """
    }

    static func sandboxPage(_ transaction: String) -> String {
        """
        <!doctype html><html><head><meta charset="utf-8"><title>Scritorio sandbox checkout</title></head>
        <body><h1>Sandbox checkout</h1><p>Transaction <code>\(transaction)</code></p>
        <button id="pay">Pay (sandbox)</button><pre id="out"></pre><script>
        document.getElementById('pay').onclick = async () => {
          const r = await fetch('/sandbox/paddle/transactions/\(transaction)/complete', { method: 'POST' });
          document.getElementById('out').textContent = r.status + ' ' + await r.text();
        };
        </script></body></html>
        """
    }

    static func jsString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
