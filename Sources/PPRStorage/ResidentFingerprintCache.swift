// ResidentFingerprintCache: the decoded tables (ResidentFingerprints) of one store's versions.
//
// Life cycle of a version's table:
// - The first combine of a version that fits the budget claims it and starts decoding it on a background
//   thread; that combine and every other one until the table is ready take the LMDB path (no query waits
//   for a build, and a version is decoded once even when many first queries arrive together).
//   `load(for:)` builds (or waits for) it on the calling thread instead: for benchmarks, jobs and tests.
// - Budget: the tables of all versions of the store together stay within `budgetBytes`. A version whose
//   table alone exceeds it is refused for good (LMDB path). One that does not fit beside the others evicts
//   those unused for `idleBeforeEviction` (a worker switching versions frees the old table once the
//   queries pinned to it are gone), else it is retried on a later combine.
// - A version deleted (`FingerprintStore.deleteVersion`) loses its table; a build finishing after that
//   is discarded (tickets), so a reused version number never sees an old table.
// - A build that fails (a damaged chunk) or meets a visit count above UInt16 marks the version refused:
//   its combines take the LMDB path, which reports damage per query with the chunk it is in.
// A table evicted while a query reads it lives on until that query ends (it is reference-counted).
import Foundation
import PPRCore

/// The resident tables of one store, under a byte budget; safe to use from many threads.
///
/// Safety (`@unchecked Sendable`): `slots` and `nextTicket` are only read and written with `condition`
/// locked.
final class ResidentFingerprintCache: @unchecked Sendable {
    /// How long a table must have served no combine before another version's table may evict it.
    static let idleBeforeEviction: Duration = .seconds(30)

    /// Most bytes the tables of all versions may take together.
    let budgetBytes: Int

    private enum Slot {
        case building(ticket: Int, bytes: Int)
        case ready(ResidentFingerprints, lastUse: ContinuousClock.Instant)
        /// Over budget alone, a visit count too large, or a failed build: the LMDB path serves it.
        case refused
    }

    private enum Claim {
        case ready(ResidentFingerprints)
        case build(ticket: Int)
        /// Being built by another thread.
        case busy
        /// Refused, or no room beside the other versions' tables now.
        case none
    }

    private let condition = NSCondition()
    private var slots: [UInt32: Slot] = [:]
    private var nextTicket = 0

    /// Builds started so far (each claims a version once; for tests).
    var buildsStarted: Int {
        condition.lock()
        defer { condition.unlock() }
        return nextTicket
    }

    init(budgetBytes: Int) {
        self.budgetBytes = budgetBytes
    }

    /// The table of `reader`'s version if it is built; otherwise nil, after starting a background build
    /// when the version has no table yet and its table fits.
    func table(for reader: FingerprintStoreReader) -> ResidentFingerprints? {
        switch claim(reader) {
        case .ready(let table): return table
        case .busy, .none: return nil
        case .build(let ticket):
            let thread = Thread { [self] in
                do {
                    finish(reader.manifest.version, ticket, .ready(try reader.decodeResident(), lastUse: .now))
                } catch {
                    finish(reader.manifest.version, ticket, .refused)
                }
            }
            thread.name = "powerwalk.resident-fingerprints"
            thread.start()
            return nil
        }
    }

    /// The table of `reader`'s version, built on this thread (or waited for) if needed; nil when the
    /// version is refused (over budget, a visit count above UInt16) or has no room now.
    ///
    /// - Throws: `StoreError` when this call's build meets a damaged or deleted version.
    func load(for reader: FingerprintStoreReader) throws -> ResidentFingerprints? {
        while true {
            switch claim(reader) {
            case .ready(let table): return table
            case .none: return nil
            case .busy:
                condition.lock()
                while case .building = slots[reader.manifest.version] { condition.wait() }
                condition.unlock()
            case .build(let ticket):
                do {
                    let table = try reader.decodeResident()
                    finish(reader.manifest.version, ticket, .ready(table, lastUse: .now))
                    return table
                } catch {
                    finish(reader.manifest.version, ticket, .refused)
                    if error is FingerprintStoreReader.ResidentRefusal { return nil }
                    throw error
                }
            }
        }
    }

    /// Forgets `version`'s table (deleted or replaced); a build in progress is discarded when it ends.
    func drop(_ version: UInt32) {
        condition.lock()
        slots[version] = nil
        condition.broadcast()
        condition.unlock()
    }

    /// Bytes held by built tables (for tests and reports).
    var residentBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return slots.values.reduce(0) { sum, slot in
            if case .ready(let table, _) = slot { sum + table.byteCount } else { sum }
        }
    }

    private func claim(_ reader: FingerprintStoreReader) -> Claim {
        let version = reader.manifest.version
        let now = ContinuousClock.now
        condition.lock()
        defer { condition.unlock() }
        switch slots[version] {
        case .ready(let table, _):
            slots[version] = .ready(table, lastUse: now)
            return .ready(table)
        case .building: return .busy
        case .refused: return .none
        case nil: break
        }
        let bytes = ResidentFingerprints.byteCount(
            entryCount: max(0, reader.manifest.entryCount), localVertexCount: reader.manifest.localVertexCount)
        guard bytes <= budgetBytes else {
            slots[version] = .refused
            return .none
        }
        guard makeRoom(bytes, now: now) else { return .none }
        nextTicket += 1
        slots[version] = .building(ticket: nextTicket, bytes: bytes)
        return .build(ticket: nextTicket)
    }

    /// Evicts tables idle for `idleBeforeEviction`, least recently used first, until `bytes` more fit the
    /// budget; false (nothing evicted) when they cannot. Called with `condition` locked.
    private func makeRoom(_ bytes: Int, now: ContinuousClock.Instant) -> Bool {
        var used = 0
        var idle: [(version: UInt32, bytes: Int, lastUse: ContinuousClock.Instant)] = []
        for (version, slot) in slots {
            switch slot {
            case .building(_, let building): used += building
            case .ready(let table, let lastUse):
                used += table.byteCount
                if now - lastUse >= Self.idleBeforeEviction { idle.append((version, table.byteCount, lastUse)) }
            case .refused: break
            }
        }
        var evict: [UInt32] = []
        for candidate in idle.sorted(by: { $0.lastUse < $1.lastUse }) where used + bytes > budgetBytes {
            used -= candidate.bytes
            evict.append(candidate.version)
        }
        guard used + bytes <= budgetBytes else { return false }
        for version in evict { slots[version] = nil }
        return true
    }

    /// Installs a build's outcome unless its slot was dropped or claimed again meanwhile.
    private func finish(_ version: UInt32, _ ticket: Int, _ outcome: Slot) {
        condition.lock()
        if case .building(let current, _) = slots[version], current == ticket { slots[version] = outcome }
        condition.broadcast()
        condition.unlock()
    }
}
