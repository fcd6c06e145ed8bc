import Dispatch
import Foundation
import PPRCore

// ProcessCores: the one `IdleCores` of a process. The coordinator's queries and the worker shards of the
// same process (an all-in-one cluster) count their busy threads in it, and a helper is lent only while the
// host also has a core free of every process's threads (`/proc/loadavg`'s runnable count): on a host shared
// with other work, or with workers in other processes, a helper would only take a core someone else needs.
#if canImport(Glibc)
    import Glibc
#endif

extension IdleCores {
    /// This process's cores; helpers run on Dispatch's global pool (reused threads). `helpersLent` counts the
    /// queries' expand and combine steps that got a helper (pwbench prints it).
    public static let process = IdleCores(
        cores: ProcessInfo.processInfo.activeProcessorCount, hostIdle: HostLoad.hasIdleCore
    ) { job in
        DispatchQueue.global(qos: .userInitiated).async(execute: job)
    }
}

/// What the host's scheduler says about its cores now.
enum HostLoad {
    /// True when fewer threads are runnable on the host than it has cores (the caller is one of them), read
    /// from the fourth field of `/proc/loadavg` ("runnable/total"); true where that cannot be read. Costs one
    /// small file read (a few microseconds), so it is asked once per loan, not per part.
    @Sendable static func hasIdleCore() -> Bool {
        guard let runnable = runnableThreads() else { return true }
        return runnable < ProcessInfo.processInfo.activeProcessorCount
    }

    /// The host's runnable threads now, or nil off Linux or when the file does not parse.
    static func runnableThreads() -> Int? {
        #if canImport(Glibc)
            let fd = open("/proc/loadavg", O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 128)
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return nil }
            // "0.71 1.31 1.71 2/345 6789": the field after the third space, up to the slash.
            let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
            guard fields.count >= 4, let slash = fields[3].firstIndex(of: UInt8(ascii: "/")) else { return nil }
            return Int(String(decoding: fields[3][..<slash], as: UTF8.self))
        #else
            return nil
        #endif
    }
}
