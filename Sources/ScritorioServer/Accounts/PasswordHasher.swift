import HummingbirdBcrypt
import NIOPosix

/// bcrypt at cost 10 (`$2a$10$`), GoTrue's cost, so hashes can be imported from Supabase's `auth.users`.
/// Hashing runs on the thread pool: a bcrypt round takes tens of milliseconds and must not block event loops.
struct PasswordHasher: Sendable {
    var hash: @Sendable (String) async throws -> String
    var verify: @Sendable (String, String) async throws -> Bool

    static let cost: UInt8 = 10

    static let live = PasswordHasher(
        hash: { password in try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) } },
        verify: { password, hash in try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) } })

    /// A hash of a random password, checked when the email is unknown so that timing does not reveal
    /// which addresses have accounts.
    static let decoyHash = Bcrypt.hash("scritorio-decoy-password", cost: cost)
}
