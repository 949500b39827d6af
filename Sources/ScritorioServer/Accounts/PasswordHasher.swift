import HummingbirdBcrypt
import NIOPosix
import ScritorioCore

/// bcrypt at cost 10 (`$2a$10$`), GoTrue's cost, so hashes can be imported from Supabase's `auth.users`.
/// Hashing runs on the thread pool: a bcrypt round takes tens of milliseconds and must not block event loops.
struct PasswordHasher: Sendable {
    var hash: @Sendable (String) async throws -> String
    var verify: @Sendable (String, String) async throws -> Bool

    static let cost: UInt8 = 10

    static let live = PasswordHasher(
        hash: { password in try await NIOThreadPool.singleton.runIfActive { hashNow(password) } },
        verify: { password, hash in try await NIOThreadPool.singleton.runIfActive { verifyNow(password, hash: hash) } })

    /// The C implementation reads a password as a C string and would stop at a NUL (`abcdef\0-long-secret` would
    /// be `abcdef`); a password with a NUL is hashed over all its bytes, as GoTrue's bcrypt does (`BcryptBytes`).
    static func hashNow(_ password: String) -> String {
        password.utf8.contains(0) ? BcryptBytes.hash(password: Array(password.utf8), cost: Int(cost)) : Bcrypt.hash(password, cost: cost)
    }

    static func verifyNow(_ password: String, hash: String) -> Bool {
        password.utf8.contains(0) ? BcryptBytes.verify(password: Array(password.utf8), hash: hash) : Bcrypt.verify(password, hash: hash)
    }

    /// A hash of a random password, checked when the email is unknown so that timing does not reveal
    /// which addresses have accounts.
    static let decoyHash = Bcrypt.hash("scritorio-decoy-password", cost: cost)
}
