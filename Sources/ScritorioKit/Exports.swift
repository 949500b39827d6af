// An app that imports the SDK can name everything its API speaks: the contract's DTOs (`ChatMessage`,
// `MemberDTO`, …) and the shared value types (`EntitlementTokenVerifier`, `JSONValue`, …).
@_exported import ScritorioAPI
@_exported import ScritorioModels
