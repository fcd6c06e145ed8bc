// A daemon whose data directory is on a full file system stops with a "disk full" message and exit 1; it
// used to die of a bus error inside liblmdb (SIGBUS on its mapped lock file). Needs root to mount a
// 512 KiB tmpfs; skipped otherwise.
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A small tmpfs, filled to the brim, mounted for `body`.
private enum FullFileSystem {
    static let isPermitted: Bool = (try? with { _ in true }) ?? false

    struct MountFailed: Error {}

    static func with<R>(_ body: (String) async throws -> R) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-full-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard mount("tmpfs", directory, "tmpfs", 0, "size=512k") == 0 else { throw MountFailed() }
        defer { _ = umount2(directory, Int32(MNT_DETACH)) }
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { throw MountFailed() }
        _ = FileManager.default.createFile(
            atPath: "\(directory)/fill", contents: Data(count: Int(info.f_bavail) * Int(info.f_frsize)))
        return try await body(directory)
    }

    static func with<R>(_ body: (String) throws -> R) throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-full-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard mount("tmpfs", directory, "tmpfs", 0, "size=64k") == 0 else { throw MountFailed() }
        defer { _ = umount2(directory, Int32(MNT_DETACH)) }
        return try body(directory)
    }
}

extension EndToEnd {
    @Suite("disk full")
    struct DiskFullTests {
        @Test(
            "a coordinator and a local cluster on a full disk exit 1 saying disk full, not a bus error",
            .enabled(if: FullFileSystem.isPermitted, "needs root: mounts a 512 KiB tmpfs"))
        func fullDiskAtStartIsAnError() async throws {
            let scratch = try ScratchDirectory("disk-full")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            try await FullFileSystem.with { (full: String) async throws in
                let config = scratch.path("full.yaml")
                try """
                graph: \(graph)
                shards:
                  - replicas:
                      - url: "tcp://127.0.0.1:1"
                        dataDir: \(scratch.path("shard-0"))
                coordinator:
                  listen: "\(try FreePort.urls(1)[0])"
                  dataDir: \(full)/coordinator
                """.write(toFile: config, atomically: true, encoding: .utf8)
                let coordinator = try await ChildProcess.run(
                    try Binaries.powerwalkd, ["coordinator", "--config", config], timeout: .seconds(30))
                #expect(coordinator.status == 1 && !coordinator.signalled, "\(coordinator)")
                #expect(coordinator.stderr.contains("disk full"), "\(coordinator)")

                let local = try await ChildProcess.run(
                    try Binaries.powerwalkd,
                    [
                        "local", "--graph", graph, "--data-dir", "\(full)/local", "--shards", "2", "--listen",
                        try FreePort.urls(1)[0],
                    ],
                    timeout: .seconds(30))
                #expect(local.status == 1 && !local.signalled, "\(local)")
                #expect(local.stderr.contains("disk full"), "\(local)")
            }
        }
    }
}
