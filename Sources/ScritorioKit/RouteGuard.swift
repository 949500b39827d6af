import Foundation

/// The app's top-level screens (the seed's guard nodes).
public enum RouteNode: String, Sendable, Hashable, CaseIterable, Codable {
    /// Sign in / sign up; open to everyone.
    case welcome
    /// First-run setup; needs a signed-in user.
    case onboarding
    /// The app itself; needs a signed-in, onboarded user.
    case dashboard
    /// An unknown route (never redirected).
    case notFound
}

/// What the guard decides on.
public struct GuardState: Sendable, Equatable {
    /// A user is signed in.
    public var isLoggedIn: Bool
    /// The user has finished onboarding.
    public var isOnboarded: Bool

    /// A state from its parts.
    public init(isLoggedIn: Bool, isOnboarded: Bool) {
        self.isLoggedIn = isLoggedIn
        self.isOnboarded = isOnboarded
    }
}

/// The seed's route guard as data: for each node, edges tried in order; the first whose condition holds is the
/// redirect. A node without a matching edge renders.
public struct RouteGuard: Sendable {
    /// One edge: go to `to` when `condition` holds.
    public struct Edge: Sendable {
        /// Where to redirect.
        public var to: RouteNode
        /// When to redirect.
        public var condition: @Sendable (GuardState) -> Bool

        /// An edge.
        public init(to: RouteNode, when condition: @escaping @Sendable (GuardState) -> Bool) {
            self.to = to
            self.condition = condition
        }
    }

    /// The edges of each node.
    public var graph: [RouteNode: [Edge]]

    /// A guard over `graph`.
    public init(graph: [RouteNode: [Edge]]) {
        self.graph = graph
    }

    /// The seed's graph: welcome sends signed-in users on; onboarding sends onboarded users to the dashboard;
    /// the dashboard sends anyone signed out or not onboarded back to welcome.
    public static let standard = RouteGuard(graph: [
        .welcome: [
            Edge(to: .dashboard) { $0.isLoggedIn && $0.isOnboarded },
            Edge(to: .onboarding) { $0.isLoggedIn && !$0.isOnboarded },
        ],
        .onboarding: [
            Edge(to: .dashboard) { $0.isLoggedIn && $0.isOnboarded },
        ],
        .dashboard: [
            Edge(to: .welcome) { !$0.isLoggedIn },
            Edge(to: .welcome) { !$0.isOnboarded },
        ],
    ])

    /// Where a visitor of `node` in `state` must go instead, or `nil` to render `node`.
    public func redirect(for node: RouteNode, in state: GuardState) -> RouteNode? {
        graph[node]?.first { $0.condition(state) }?.to
    }

    /// Follows redirects from `node` until one renders (at most as many hops as there are nodes).
    public func destination(from node: RouteNode, in state: GuardState) -> RouteNode {
        var current = node
        for _ in 0...graph.count {
            guard let next = redirect(for: current, in: state) else { return current }
            current = next
        }
        return current
    }
}

/// Whether each user finished onboarding, kept in ``SessionStorage`` so it survives restarts.
public struct OnboardingStore: Sendable {
    let storage: any SessionStorage

    /// A store over `storage`.
    public init(storage: any SessionStorage) {
        self.storage = storage
    }

    private func key(_ userID: String) -> String { "onboarded-\(userID)" }

    /// Whether `userID` finished onboarding.
    public func isOnboarded(_ userID: String) -> Bool {
        (try? storage.load(key(userID))) != nil
    }

    /// Records (or forgets) that `userID` finished onboarding.
    public func setOnboarded(_ onboarded: Bool, for userID: String) throws {
        if onboarded {
            try storage.save(Data("true".utf8), for: key(userID))
        } else {
            try storage.remove(key(userID))
        }
    }
}
