// A full disk is an error that says "disk full", never a crash. liblmdb maps its lock file and writes the
// reader table through the mapping; on a full file system that used to raise SIGBUS (the whole process died
// with a bus error). The real case needs a small file system: a 512 KiB tmpfs mounted for the test (root
// and mount(2) required; skipped otherwise, with the reason in the trait).
import Foundation
import LMDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A 512 KiB tmpfs mounted on a fresh directory for `body`, then unmounted and removed.
enum SmallFileSystem {
    /// True when this process may mount a tmpfs (checked once, by mounting and unmounting one).
    static let isPermitted: Bool = (try? with { _ in true }) ?? false

    struct MountFailed: Error { let errno: Int32 }

    static func with<R>(sizeKiB: Int = 512, _ body: (String) throws -> R) throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-small-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard mount("tmpfs", directory, "tmpfs", 0, "size=\(sizeKiB)k") == 0 else { throw MountFailed(errno: errno) }
        defer { _ = umount2(directory, Int32(MNT_DETACH)) }
        return try body(directory)
    }

    /// Fills the file system at `directory` but for about `leaveKiB` KiB.
    static func fill(_ directory: String, leaveKiB: Int = 0) throws {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { throw MountFailed(errno: errno) }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let size = max(0, free - leaveKiB * 1024)
        _ = FileManager.default.createFile(atPath: "\(directory)/fill", contents: Data(count: size))
    }
}

@Suite struct DiskFullTests {
    @Test(.enabled(if: SmallFileSystem.isPermitted, "needs root: mounts a 512 KiB tmpfs"))
    func openingOnAFullFileSystemIsADiskFullErrorNotABusError() throws {
        try SmallFileSystem.with { directory in
            try SmallFileSystem.fill(directory)
            let path = "\(directory)/env"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let error = #expect(throws: LMDBError.self) { _ = try Environment(path: path, mapSizeBytes: 1 << 30) }
            #expect(error?.isDiskFull == true)
            #expect(error?.description.contains("disk full") == true, "\(String(describing: error))")
        }
    }

    @Test(.enabled(if: SmallFileSystem.isPermitted, "needs root: mounts a 512 KiB tmpfs"))
    func aCommitThatRunsOutOfDiskSaysDiskFullAndKeepsTheCommittedData() throws {
        try SmallFileSystem.with { directory in
            try SmallFileSystem.fill(directory, leaveKiB: 96)
            let path = "\(directory)/env"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let environment = try Environment(path: path, mapSizeBytes: 1 << 30)
            let db = try #require(try environment.openDatabase(named: "kv", options: .create))
            try environment.write { txn in try txn.put([7], forKey: "kept", in: db) }
            var failure: LMDBError?
            for round in 0..<64 where failure == nil {  // bounded: 64 × 16 KiB is far beyond 96 KiB
                do {
                    try environment.write { txn in
                        try txn.put([UInt8](repeating: UInt8(round), count: 16 << 10), forKey: "big-\(round)", in: db)
                    }
                } catch let error as LMDBError {
                    failure = error
                }
            }
            let error = try #require(failure, "96 KiB took 1 MiB of writes")
            #expect(error.isDiskFull && error.description.contains("disk full"), "\(error.code) \(error)")
            #expect(try environment.read { txn in try txn.value(forKey: "kept", in: db) } == [7])
        }
    }

    @Test func aFullMapSaysDiskFullForTheEnvironment() throws {
        try withTemporaryEnvironment(mapSizeBytes: 1 << 20) { environment in
            let db = try #require(try environment.openDatabase(named: "kv", options: .create))
            var failure: LMDBError?
            for round in 0..<128 where failure == nil {  // bounded: 128 × 16 KiB is twice the 1 MiB map
                do {
                    try environment.write { txn in
                        try txn.put([UInt8](repeating: 1, count: 16 << 10), forKey: "big-\(round)", in: db)
                    }
                } catch let error as LMDBError {
                    failure = error
                }
            }
            let error = try #require(failure)
            #expect(error.code == .mapFull && error.isDiskFull)
            #expect(error.description.contains("disk full for this environment"), "\(error)")
        }
    }
}
