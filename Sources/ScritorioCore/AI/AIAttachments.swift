import Foundation

/// What a JSON request carries that its bytes do not bound. Images and files are expanded upstream into far
/// more tokens than their bytes (a 100-byte image link can cost 48,000 tokens on gpt-4o-mini), so each is
/// reserved at its model's bound. References to state kept upstream under the operator's key (stored responses
/// and conversations, stored prompts, uploaded files, stored items) and hosted tools with prices of their own
/// (file search with its vector stores among them) can be neither metered nor kept to the caller's account:
/// those requests are refused.
public struct AIAttachments: Sendable, Equatable {
    /// `image_url` / `input_image` parts.
    public var images: Int64 = 0
    /// `file` / `input_file` parts with their data inline.
    public var files: Int64 = 0
    /// The first member or type the gateway refuses, if any.
    public var refused: String?
    /// The body needed a full parse and Foundation could not read it: it is refused rather than left unchecked.
    public var unreadable = false

    public init(images: Int64 = 0, files: Int64 = 0, refused: String? = nil, unreadable: Bool = false) {
        self.images = images
        self.files = files
        self.refused = refused
        self.unreadable = unreadable
    }

    /// Names that only occur in such requests; a body without any of them, and without any `\u` escape (which
    /// could spell one of them), is not parsed again.
    static let markers: [[UInt8]] = ["image", "file", "previous_response_id", "conversation", "prompt", "tools", "item_reference", "service_tier", "\\u"]
        .map { Array($0.utf8) }
    static let stateMembers = ["previous_response_id", "conversation", "prompt"]
    /// Tool types that are only functions the client runs; every other (web search, file search, code
    /// interpreter, image generation, computer use, MCP, shell) runs upstream at a price of its own.
    static let clientTools: Set<String> = ["function", "custom"]

    /// Scans a JSON request body (already known to be an object).
    public static func scan(_ body: [UInt8]) -> AIAttachments {
        var found = AIAttachments()
        guard RawJSON.containsAny(markers, in: body) else { return found }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            found.unreadable = true
            return found
        }
        for member in stateMembers where !(object[member] == nil || object[member] is NSNull) {
            // Chat and embeddings have no `prompt`; the Responses API's is a stored prompt's id.
            if member == "prompt", object[member] is String { continue }
            found.refused = member
            return found
        }
        // Priority processing costs more per token than the price table says; flex costs less.
        if let tier = object["service_tier"] as? String, !["auto", "default", "flex"].contains(tier) {
            found.refused = "service_tier"
            return found
        }
        if let tools = object["tools"] as? [Any] {
            for case let tool as [String: Any] in tools {
                let type = tool["type"] as? String ?? ""
                if !clientTools.contains(type) {
                    found.refused = "tools[].type=" + type
                    return found
                }
            }
        }
        found.walk(object)
        return found
    }

    /// Content parts that carry media; a `file_id` in one (or in chat's `file` object of one) points upstream.
    static let mediaParts: Set<String> = ["image_url", "input_image", "file", "input_file", "input_audio"]
    /// Members that describe data rather than carry it (tool parameters, response schemas, metadata): a property
    /// named `file_id` there is a field of the client's own schema.
    static let descriptions: Set<String> = ["parameters", "schema", "json_schema", "format", "metadata"]

    mutating func walk(_ value: Any, inPart: Bool = false) {
        guard refused == nil else { return }
        if let list = value as? [Any] {
            for item in list { walk(item) }
            return
        }
        guard let object = value as? [String: Any] else { return }
        let type = object["type"] as? String
        let isPart = type.map(Self.mediaParts.contains) ?? false
        if isPart || inPart, let id = object["file_id"], !(id is NSNull) {
            refused = "file_id"
            return
        }
        switch type {
        case "image_url", "input_image": images += 1
        case "file", "input_file": files += 1
        case "item_reference":
            refused = "item_reference"
            return
        default: break
        }
        for (key, member) in object where !Self.descriptions.contains(key) {
            walk(member, inPart: isPart && key == "file")
        }
    }
}
