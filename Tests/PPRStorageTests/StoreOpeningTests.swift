import Foundation
import Testing

@testable import PPRStorage

/// Both LMDB stores open a directory through `StoreOpening`: each writes its format record when new,
/// finds it again when reopened, and refuses the other store's directory by its own error type.
@Suite struct StoreOpeningTests {
    private func withDirectory<R>(_ body: (String) throws -> R) throws -> R {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-open-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test func aStoreReopensAndALedgerReopens() throws {
        try withDirectory { path in
            _ = try FingerprintStore(directory: "\(path)/store", mapSizeBytes: 1 << 24)
            _ = try FingerprintStore(directory: "\(path)/store", mapSizeBytes: 1 << 24)
            let ledger = try JobLedger(directory: "\(path)/ledger", mapSizeBytes: 1 << 24)
            #expect(try ledger.list().isEmpty)
            _ = try JobLedger(directory: "\(path)/ledger", mapSizeBytes: 1 << 24)
        }
    }

    @Test func aLedgerDirectoryIsNotAFingerprintStore() throws {
        try withDirectory { path in
            _ = try JobLedger(directory: path, mapSizeBytes: 1 << 24)
            #expect(throws: StoreError.incompatibleFormat(path: path, detail: "unknown format record")) {
                try FingerprintStore(directory: path, mapSizeBytes: 1 << 24)
            }
        }
    }

    @Test func aFingerprintStoreIsNotALedger() throws {
        try withDirectory { path in
            _ = try FingerprintStore(directory: path, mapSizeBytes: 1 << 24)
            #expect(throws: JobLedgerError.incompatibleFormat(path: path, detail: "unknown format record")) {
                try JobLedger(directory: path, mapSizeBytes: 1 << 24)
            }
        }
    }

    @Test func aFileWhereTheDirectoryShouldBeIsRefused() throws {
        try withDirectory { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let file = "\(path)/file"
            try Data("x".utf8).write(to: URL(fileURLWithPath: file))
            let error = #expect(throws: JobLedgerError.self) { try JobLedger(directory: file, mapSizeBytes: 1 << 24) }
            guard case .incompatibleFormat(let at, let detail) = error else {
                Issue.record("expected incompatibleFormat, got \(String(describing: error))")
                return
            }
            #expect(at == file && detail.hasPrefix("cannot create the directory"))
        }
    }
}
