import Foundation
import LMDB
import Testing

@Suite struct EnvironmentTests {
    @Test func putThenGetReturnsTheValueAndDeleteRemovesIt() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "kv", options: .create))
            try env.write { txn in try txn.put([1, 2, 3], forKey: "a", in: db) }
            #expect(try env.read { txn in try txn.value(forKey: "a", in: db) } == [1, 2, 3])
            #expect(try env.read { txn in try txn.value(forKey: "b", in: db) } == nil)
            let removed = try env.write { txn in try txn.delete(forKey: "a", in: db) }
            let removedAgain = try env.write { txn in try txn.delete(forKey: "a", in: db) }
            #expect(removed && !removedAgain)
            #expect(try env.read { txn in try txn.value(forKey: "a", in: db) } == nil)
        }
    }

    @Test func aWriteTransactionReadsItsOwnWrites() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "kv", options: .create))
            let seen = try env.write { txn in
                try txn.put([42], forKey: "k", in: db)
                return try txn.withValue(forKey: "k", in: db) { span in span[0] }
            }
            #expect(seen == 42)
        }
    }

    @Test func aWriteThatThrowsLeavesNothing() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "kv", options: .create))
            try env.write { txn in try txn.put([1], forKey: "kept", in: db) }
            #expect(throws: Rollback.self) {
                try env.write { txn in
                    try txn.put([2], forKey: "lost", in: db)
                    try txn.put([9], forKey: "kept", in: db)
                    throw Rollback()
                }
            }
            #expect(try env.read { txn in try txn.value(forKey: "lost", in: db) } == nil)
            #expect(try env.read { txn in try txn.value(forKey: "kept", in: db) } == [1])
        }
    }

    @Test func namedDatabasesAreSeparateAndMissingOnesAreNil() throws {
        try withTemporaryEnvironment { env in
            #expect(try env.openDatabase(named: "absent") == nil)
            let first = try #require(try env.openDatabase(named: "first", options: .create))
            let second = try #require(try env.openDatabase(named: "second", options: .create))
            try env.write { txn in
                try txn.put([1], forKey: "k", in: first)
                try txn.put([2], forKey: "k", in: second)
            }
            #expect(try env.read { try $0.value(forKey: "k", in: first) } == [1])
            #expect(try env.read { try $0.value(forKey: "k", in: second) } == [2])
            try env.write { txn in try txn.drop(second, deleteDatabase: true) }
            #expect(try env.openDatabase(named: "second") == nil)
            #expect(try env.openDatabase(named: "first") != nil)
        }
    }

    @Test func integerKeysIterateInNumericOrderAndAppendRejectsOutOfOrderKeys() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "ints", options: [.create, .integerKey]))
            try env.write { txn in
                for key: UInt32 in [1, 2, 255, 256, 70_000] {
                    try txn.put([UInt8(truncatingIfNeeded: key)], forKey: key, in: db, options: .append)
                }
            }
            var order: [UInt8] = []
            try env.read { txn in
                try txn.forEach(in: db) { _, value in
                    order.append(value[0]); return true
                }
            }
            #expect(order == [1, 2, 255, 0, UInt8(truncatingIfNeeded: 70_000)])
            let error = #expect(throws: LMDBError.self) {
                try env.write { txn in try txn.put([0], forKey: UInt32(3), in: db, options: .append) }
            }
            #expect(error?.code == .keyExists)
            #expect(error?.operation == "mdb_put")
        }
    }

    @Test func noOverwriteRefusesAnExistingKey() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "kv", options: .create))
            try env.write { txn in try txn.put([1], forKey: "k", in: db) }
            let error = #expect(throws: LMDBError.self) {
                try env.write { txn in try txn.put([2], forKey: "k", in: db, options: .noOverwrite) }
            }
            #expect(error?.code == .keyExists)
            #expect(try env.read { try $0.value(forKey: "k", in: db) } == [1])
        }
    }

    @Test func fillingTheMapThrowsMapFullAndKeepsEarlierCommits() throws {
        try withTemporaryEnvironment(mapSizeBytes: 1 << 20) { env in
            let db = try #require(try env.openDatabase(named: "kv", options: .create))
            try env.write { txn in try txn.put([7], forKey: "early", in: db) }
            let big = [UInt8](repeating: 0xAB, count: 64 << 10)
            let error = #expect(throws: LMDBError.self) {
                try env.write { txn in
                    for i in 0..<64 { try txn.put(big, forKey: UInt64(i).description, in: db) }
                }
            }
            #expect(error?.code == .mapFull)
            #expect(error?.description.contains("MDB_MAP_FULL") == true)
            #expect(try env.read { try $0.value(forKey: "early", in: db) } == [7])
        }
    }

    @Test func cursorIterationStartsAtTheFirstKeyNotBelowTheStartKey() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "kv", options: .create))
            try env.write { txn in for k in ["a", "b", "c", "d"] { try txn.put(Array(text: k), forKey: k, in: db) } }
            var keys: [String] = []
            try env.read { txn in
                try txn.forEach(in: db, from: Array(text: "b")) { key, _ in
                    keys.append(String(decoding: Array(0..<key.count).map { key[$0] }, as: UTF8.self))
                    return keys.count < 2
                }
            }
            #expect(keys == ["b", "c"])
        }
    }

    @Test func concurrentReadersOnManyThreadsSeeCommittedData() throws {
        try withTemporaryEnvironment { env in
            let db = try #require(try env.openDatabase(named: "ints", options: [.create, .integerKey]))
            try env.write { txn in
                for key: UInt32 in 0..<1000 {
                    try txn.put(Array(text: "\(key)"), forKey: key, in: db, options: .append)
                }
            }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                for round in 0..<200 {
                    let key = UInt32((thread * 131 + round * 17) % 1000)
                    let value = try? env.read { txn in try txn.value(forKey: key, in: db) }
                    if value != Array(text: "\(key)") { failures.record() }
                }
            }
            #expect(failures.count == 0)
            #expect(try env.info().readerCount <= 8)
            #expect(try env.read { try $0.statistics(of: db) }.entryCount == 1000)
        }
    }
}

/// Counts failures reported from several threads.
final class Failures: @unchecked Sendable {
    // Safety: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = 0
    func record() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}
