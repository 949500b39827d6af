import Foundation

/// Any error body the server writes, read into one value. Each endpoint declares its shape (``APIErrorShape``),
/// but the edge answers in its own (`{"message"}` for a bad `apikey`) whatever the endpoint, so a client cannot
/// trust the declaration alone: every member of every shape is read leniently, and ``code(status:)`` and
/// ``humanMessage`` pick the member that carries the meaning.
public struct ErrorEnvelope: Decodable, Sendable, Equatable {
    /// OpenAI's nested `error` object.
    public struct Detail: Decodable, Sendable, Equatable {
        /// The message.
        public var message: String?
        /// `invalid_request_error`, `server_error`, `insufficient_quota`, …
        public var type: String?
        /// The request member at fault.
        public var param: String?
        /// The stable code (`quota_exceeded`, `model_not_in_plan`, …), `null` for some errors.
        public var code: String?
        /// When an exhausted quota starts again (RFC 3339).
        public var resetsAt: String?

        /// A detail from its parts.
        public init(message: String?, type: String?, param: String? = nil, code: String?, resetsAt: String? = nil) {
            self.message = message
            self.type = type
            self.param = param
            self.code = code
            self.resetsAt = resetsAt
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            message = c.lenientString("message")
            type = c.lenientString("type")
            param = c.lenientString("param")
            code = c.lenientString("code")
            resetsAt = c.lenientString("resets_at") ?? c.lenientString("reset_at")
        }
    }

    /// GoTrue's `code` when it is a string (the versioned shape).
    public var code: String?
    /// GoTrue's legacy `code`, the HTTP status as a number.
    public var statusCode: Int?
    /// GoTrue's legacy `error_code`.
    public var errorCode: String?
    /// The product API's code, or the OAuth error, when `error` is a string.
    public var error: String?
    /// OpenAI's `error` object, when `error` is one.
    public var detail: Detail?
    /// `message` (GoTrue, the product API, the edge).
    public var message: String?
    /// GoTrue's legacy `msg`.
    public var msg: String?
    /// OAuth's `error_description`.
    public var errorDescription: String?
    /// A top-level `resets_at` beside an OpenAI error.
    public var resetsAt: String?
    /// GoTrue's `weak_password.reasons`.
    public var weakPasswordReasons: [String]?

    /// An envelope from its parts (tests, and servers that build one).
    public init(
        code: String? = nil, statusCode: Int? = nil, errorCode: String? = nil, error: String? = nil, detail: Detail? = nil,
        message: String? = nil, msg: String? = nil, errorDescription: String? = nil, resetsAt: String? = nil,
        weakPasswordReasons: [String]? = nil
    ) {
        self.code = code
        self.statusCode = statusCode
        self.errorCode = errorCode
        self.error = error
        self.detail = detail
        self.message = message
        self.msg = msg
        self.errorDescription = errorDescription
        self.resetsAt = resetsAt
        self.weakPasswordReasons = weakPasswordReasons
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        code = c.lenientString("code")
        statusCode = try? c.decodeIfPresent(Int.self, forKey: Key("code"))
        errorCode = c.lenientString("error_code")
        error = c.lenientString("error")
        detail = try? c.decodeIfPresent(Detail.self, forKey: Key("error"))
        message = c.lenientString("message")
        msg = c.lenientString("msg")
        errorDescription = c.lenientString("error_description")
        resetsAt = c.lenientString("resets_at")
        struct Weak: Decodable { var reasons: [String]? }
        weakPasswordReasons = (try? c.decodeIfPresent(Weak.self, forKey: Key("weak_password")))?.reasons
    }

    /// Reads `data`; a body that is not a JSON object (empty, HTML, an array) gives an empty envelope.
    public static func read(_ data: Data) -> ErrorEnvelope {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: data)) ?? ErrorEnvelope()
    }

    /// Whether the body is OpenAI's shape (an `error` object); a stream's error events are recognised by it.
    public var isOpenAIShape: Bool { detail != nil }

    /// The stable code: OpenAI's `error.code` (else its `type`), else GoTrue's `code` / `error_code`, else a
    /// string `error` (the product API's code, the OAuth error), else `http_<status>`. One order serves every
    /// shape: the licence answers carry both a stable `code` and an `error` text, and `code` must win there too.
    public func code(status: Int) -> String {
        if let detail { return detail.code ?? detail.type ?? "http_\(status)" }
        return code ?? errorCode ?? error ?? "http_\(status)"
    }

    /// The message for people, from whichever member the shape uses; `nil` when the body has none (the caller may
    /// show the raw body).
    public var humanMessage: String? {
        if let detail { return detail.message }
        return message ?? msg ?? errorDescription ?? error
    }

    /// When an exhausted AI quota starts again, as the body says (`error.resets_at`, `error.reset_at`, or a
    /// top-level `resets_at`).
    public var quotaResetsAt: String? { detail?.resetsAt ?? resetsAt }

    /// Whether the body reports an exhausted AI quota.
    public var isQuotaExceeded: Bool {
        guard let detail else { return false }
        let code = detail.code ?? detail.type
        return code == "insufficient_quota" || code == "quota_exceeded"
    }

    /// Any member name.
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

extension KeyedDecodingContainer where Key == ErrorEnvelope.Key {
    /// The member as a string; absent, `null` or another type reads as `nil` (error bodies are never fatal).
    fileprivate func lenientString(_ name: String) -> String? {
        (try? decodeIfPresent(String.self, forKey: ErrorEnvelope.Key(name))) ?? nil
    }
}
