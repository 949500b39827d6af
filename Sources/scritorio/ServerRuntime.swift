import Foundation
import NIOCore

/// How `serve` sizes its threads. Must run before anything touches NIO's singletons.
enum ServerRuntime {
    /// One event loop (and one blocking-pool thread, at least two) per CPU the process may run on. NIO counts the
    /// machine's CPUs (or the cgroup's), not the affinity mask, so a server started under `taskset -c 0` ran two
    /// loops on one CPU, switching between them on every request. `NIO_SINGLETON_GROUP_LOOP_COUNT` and
    /// `NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT` still win when set. (Running Swift Concurrency on the event
    /// loops, NIO's executor take-over, measured no faster here and was left out.)
    static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let cpus = affinityCPUCount() {
            for name in ["NIO_SINGLETON_GROUP_LOOP_COUNT", "NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"] where environment[name] == nil {
                setenv(name, String(max(cpus, name.contains("BLOCKING") ? 2 : 1)), 1)
            }
        }
    }

    /// CPUs in this process's affinity mask (`Cpus_allowed` in /proc/self/status), when fewer than NIO counts.
    static func affinityCPUCount() -> Int? {
        #if os(Linux)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
        let count = mask.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
        return count > 0 && count < System.coreCount ? count : nil
        #else
        return nil
        #endif
    }
}
