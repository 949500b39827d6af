import Synchronization

/// Counts the sessions and users this process has removed. A per-replica cache of "this session is alive"
/// keeps the count it saw and drops its entries once the count moves, so an ending made here (sign-out, a new
/// password, deletion) is refused here at once; other replicas refuse it when their entry ages out.
public enum SessionRevocations {
    private static let counter = Atomic<UInt64>(0)

    /// The count now.
    public static var epoch: UInt64 { counter.load(ordering: .acquiring) }

    public static func record() {
        counter.add(1, ordering: .releasing)
    }
}

/// Counts the entitlement writes this process has made (a purchase, renewal, cancellation or licence applied). The
/// AI gateway's per-replica plan cache keeps the count it saw with each entry and misses once the count moved, so
/// an upgrade applied here is used here at once; other replicas see it when their entry ages out.
public enum EntitlementChanges {
    private static let counter = Atomic<UInt64>(0)

    /// The count now.
    public static var epoch: UInt64 { counter.load(ordering: .acquiring) }

    public static func record() {
        counter.add(1, ordering: .releasing)
    }
}
