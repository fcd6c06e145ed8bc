// FingerprintStore's version life cycle: begin → write chunks → complete → activate; fail; delete.
import LMDB
import PPRCore

extension FingerprintStore {
    /// Highest version number a store accepts: the next-free counter (`version + 1`) always fits in 32 bits,
    /// and no request can exhaust the numbering (a requested number is range-checked, never added to blindly).
    public static let maxVersion: UInt32 = UInt32(Int32.max)

    /// Starts a new version in state `building` and returns its manifest with the version number set.
    ///
    /// A manifest whose `version` is 0 gets the next free number. A non-zero `version` is used as given
    /// (a coordinator numbers cluster-wide versions so every shard stores the same one); it must not be in
    /// the store already (in any state) and must be at most `maxVersion`. A number below the next free one
    /// whose record is gone (deleted after a later activation) may be used again: so a store that was
    /// handed a huge number (by a stray or hostile request) does not force every later build above it.
    public func beginVersion(_ manifest: StoreManifest) throws(StoreError) -> StoreManifest {
        try manifest.validate()
        guard manifest.version <= Self.maxVersion else {
            throw .versionOutOfRange(manifest.version, maximum: Self.maxVersion)
        }
        var assigned = manifest
        try perform {
            try environment.write { txn in
                let next =
                    try txn.withValue(forKey: StoreLayout.nextVersionKey, in: meta) { span in
                        span.count == 4 ? StoreLayout.readUInt32(span, at: 0) : 1
                    } ?? 1
                let version = manifest.version == 0 ? next : manifest.version
                guard version <= Self.maxVersion else {
                    throw StoreError.versionOutOfRange(version, maximum: Self.maxVersion)
                }
                if try txn.value(forKey: StoreLayout.versionKey(version), in: meta) != nil {
                    throw StoreError.versionNumberUsed(version, nextFree: next)
                }
                assigned.version = version
                var nextBytes: [UInt8] = []
                StoreLayout.appendUInt32(max(next, version + 1), to: &nextBytes)  // ≤ maxVersion + 1: no overflow
                try txn.put(nextBytes, forKey: StoreLayout.nextVersionKey, in: meta)
                try txn.put(encodeRecord(.building, assigned), forKey: StoreLayout.versionKey(version), in: meta)
            }
        }
        _ = try fingerprintDatabase(assigned.version, create: true)
        return assigned
    }

    /// Like `beginVersion`, but a version that exists unfinished (state building: its process died during
    /// the build; failed: the build was cancelled or failed) is started over: its fingerprints are dropped
    /// and its record replaced. A replica that must build a version number the cluster chose (catch-up of
    /// the active version) needs this; a complete version is never replaced.
    public func beginOrRestartVersion(_ manifest: StoreManifest) throws(StoreError) -> StoreManifest {
        guard manifest.version != 0 else { return try beginVersion(manifest) }
        try manifest.validate()
        let version = manifest.version
        let database = try fingerprintDatabase(version)
        let restarted: Bool = try perform {
            try environment.write { txn in
                let key = StoreLayout.versionKey(version)
                guard let value = try txn.value(forKey: key, in: meta) else { return false }
                let (state, _) = try record(version, value: value)
                guard state == .building || state == .failed else {
                    throw StoreError.wrongVersionState(version, state: state, expected: .failed)
                }
                if let database { try txn.drop(database, deleteDatabase: false) }
                try txn.put(encodeRecord(.building, manifest), forKey: key, in: meta)
                return true
            }
        }
        guard restarted else { return try beginVersion(manifest) }
        _ = try fingerprintDatabase(version, create: true)
        return manifest
    }

    /// Appends chunks (in ascending chunk order, after any written before) to a building version, in one
    /// transaction.
    public func write(_ chunks: [EncodedChunk], to version: UInt32) throws(StoreError) {
        guard let database = try fingerprintDatabase(version) else { throw .versionNotFound(version) }
        try perform {
            try environment.write { txn in
                let (state, _) = try record(
                    version, value: try txn.value(forKey: StoreLayout.versionKey(version), in: meta))
                guard state == .building else {
                    throw StoreError.wrongVersionState(version, state: state, expected: .building)
                }
                for chunk in chunks { try txn.put(chunk.bytes, forKey: chunk.index, in: database, options: .append) }
            }
        }
    }

    /// Checks every chunk of a building version, records its totals and marks it complete (last, in one
    /// transaction). Returns the final manifest.
    @discardableResult
    public func completeVersion(_ version: UInt32) throws(StoreError) -> StoreManifest {
        guard let database = try fingerprintDatabase(version) else { throw .versionNotFound(version) }
        return try perform {
            try environment.write { txn in
                let key = StoreLayout.versionKey(version)
                var (state, manifest) = try record(version, value: try txn.value(forKey: key, in: meta))
                guard state == .building else {
                    throw StoreError.wrongVersionState(version, state: state, expected: .building)
                }
                try tally(txn, database, &manifest)
                try txn.put(encodeRecord(.complete, manifest), forKey: key, in: meta)
                return manifest
            }
        }
    }

    /// Verifies chunk numbers and contents and fills in the manifest's totals.
    private func tally(_ txn: borrowing WriteTransaction, _ database: Database, _ manifest: inout StoreManifest) throws
    {
        let local = manifest.localVertexCount
        let expectedChunks = StoreLayout.chunkCount(localVertexCount: local)
        var chunkNumber = 0
        var fingerprints = 0, entries = 0, bytes = 0
        var failure: String?
        try txn.forEach(in: database) { key, value in
            guard key.count == 4, Int(StoreLayout.readUInt32(key, at: 0)) == chunkNumber else {
                failure = "chunk \(chunkNumber) missing"
                return false
            }
            do {
                let (count, entryCount) = try ChunkFormat.validate(value, vertexCount: manifest.vertexCount)
                let expected = min(StoreLayout.chunkVertexCount, local - chunkNumber * StoreLayout.chunkVertexCount)
                guard count == expected else {
                    failure = "chunk \(chunkNumber) holds \(count) fingerprints, expected \(expected)"
                    return false
                }
                fingerprints += count
                entries += entryCount
            } catch {
                failure = "chunk \(chunkNumber): \(error)"
                return false
            }
            bytes += value.count
            chunkNumber += 1
            return true
        }
        if failure == nil, chunkNumber != expectedChunks {
            failure = "\(chunkNumber) of \(expectedChunks) chunks written"
        }
        if let failure {
            throw StoreError.corruptIndex(path: directory, detail: "version \(manifest.version): \(failure)")
        }
        manifest.fingerprintCount = fingerprints
        manifest.entryCount = entries
        manifest.byteCount = bytes
    }

    /// Marks a building version failed and drops its fingerprints; the active version is untouched.
    public func failVersion(_ version: UInt32) throws(StoreError) {
        let database = try fingerprintDatabase(version)
        try perform {
            try environment.write { txn in
                let key = StoreLayout.versionKey(version)
                let (state, manifest) = try record(version, value: try txn.value(forKey: key, in: meta))
                guard state == .building else {
                    throw StoreError.wrongVersionState(version, state: state, expected: .building)
                }
                if let database { try txn.drop(database, deleteDatabase: true) }
                try txn.put(encodeRecord(.failed, manifest), forKey: key, in: meta)
            }
        }
    }

    /// Makes a complete version the one queries read.
    public func activate(_ version: UInt32) throws(StoreError) {
        try perform {
            try environment.write { txn in
                let (state, _) = try record(
                    version, value: try txn.value(forKey: StoreLayout.versionKey(version), in: meta))
                guard state == .complete else {
                    throw StoreError.wrongVersionState(version, state: state, expected: .complete)
                }
                var bytes: [UInt8] = []
                StoreLayout.appendUInt32(version, to: &bytes)
                try txn.put(bytes, forKey: StoreLayout.activeKey, in: meta)
            }
        }
    }

    /// Removes a version that is not active, with its fingerprints.
    public func deleteVersion(_ version: UInt32) throws(StoreError) {
        let database = try fingerprintDatabase(version)
        try perform {
            try environment.write { txn in
                let key = StoreLayout.versionKey(version)
                _ = try record(version, value: try txn.value(forKey: key, in: meta))
                let active =
                    try txn.withValue(forKey: StoreLayout.activeKey, in: meta) { span in
                        span.count == 4 ? StoreLayout.readUInt32(span, at: 0) : nil
                    } ?? nil
                guard active != version else { throw StoreError.versionIsActive(version) }
                if let database { try txn.drop(database, deleteDatabase: true) }
                try txn.delete(forKey: key, in: meta)
            }
        }
        resident.drop(version)
    }
}
