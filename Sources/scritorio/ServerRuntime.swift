import Foundation
import NIOCore
import NIOPosix


/// How `serve` sizes its threads. Must run before anything touches NIO's singletons.
enum ServerRuntime {
    /// - One event loop (and one blocking-pool thread) per CPU the process may run on. NIO counts the machine's
    ///   CPUs (or the cgroup's), not the affinity mask, so a server started under `taskset -c 0` ran two loops, two
    ///   pool threads and Swift's pool on one CPU, switching between them on every request.
    ///   `NIO_SINGLETON_GROUP_LOOP_COUNT` / `NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT` still win when set.
    /// - Swift Concurrency's global executor becomes NIO's event loops, so a handler's `await` on a socket or a
    ///   query resumes on the loop that did the I/O instead of hopping to another thread pool. Every blocking
    ///   call (bcrypt, SQLite) already runs on the blocking pool, which this does not change.
    ///   `SCRITORIO_NIO_EXECUTOR=0` keeps Swift's own pool.
    static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let cpus = affinityCPUCount() {
            for name in ["NIO_SINGLETON_GROUP_LOOP_COUNT", "NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"] where environment[name] == nil {
                setenv(name, String(max(cpus, name.contains("BLOCKING") ? 2 : 1)), 1)
            }
        }
        if environment["SCRITORIO_NIO_EXECUTOR"] != "0" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
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
