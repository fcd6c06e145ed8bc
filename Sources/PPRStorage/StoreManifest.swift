// StoreManifest: what an index version was built from and with (DESIGN §3 Manifest), and its
// binary form: [UInt32 magic "PWFM"][UInt32 schema version][fixed-width little-endian fields].
// Schema 2 appends a UInt32 of graph flags (bit 0: the graph is weighted); schema 1 manifests, written
// before weighted graphs existed, still decode (as unweighted). Schema 3 appends the walk allocation
// (`WalkAllocation`: Float64 hub scale c, UInt32 Rmax; c = 0 is uniform R); schema 1 and 2 manifests,
// written before it existed, decode as uniform R, which is how they were built.
import PPRCore

/// The record of one index version: the graph, the walk parameters, the shard and the totals.
public struct StoreManifest: Equatable, Sendable {
    /// Checksum of the graph file the fingerprints were computed on.
    public var graphChecksum: UInt64
    /// Vertices in that graph.
    public var vertexCount: Int
    /// Whether that graph carries edge weights (the walks followed them).
    public var graphWeighted: Bool
    /// Alpha, R, Lmax and seed.
    public var walkParameters: WalkParameters
    /// `FingerprintCodec.encodingVersion` of the stored bytes.
    public var encodingVersion: UInt32
    /// The shard these fingerprints belong to, `0..<shardCount`.
    public var shardIndex: Int
    /// Shards of the modulo partition (1: the whole graph).
    public var shardCount: Int
    /// Version number inside the store (assigned by `FingerprintStore.beginVersion`).
    public var version: UInt32
    /// When the build began, seconds since 1970-01-01 UTC.
    public var createdUnixSeconds: Int64
    /// Fingerprints stored (filled in when the version completes).
    public var fingerprintCount: Int
    /// Sum of fingerprint entry counts (distinct visited vertices), filled in on completion.
    public var entryCount: Int
    /// Bytes of stored chunk values, filled in on completion.
    public var byteCount: Int

    /// A manifest for a new build; totals start at zero and `version` is assigned by the store.
    public init(
        graphChecksum: UInt64, vertexCount: Int, walkParameters: WalkParameters, shardIndex: Int = 0,
        shardCount: Int = 1, createdUnixSeconds: Int64 = 0, encodingVersion: UInt32 = FingerprintCodec.encodingVersion,
        graphWeighted: Bool = false
    ) {
        self.graphChecksum = graphChecksum
        self.vertexCount = vertexCount
        self.graphWeighted = graphWeighted
        self.walkParameters = walkParameters
        self.encodingVersion = encodingVersion
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.version = 0
        self.createdUnixSeconds = createdUnixSeconds
        self.fingerprintCount = 0
        self.entryCount = 0
        self.byteCount = 0
    }

    /// Alpha, the walks' stop probability.
    public var restartProbability: Double { walkParameters.restartProbability }
    /// The partition this shard belongs to.
    public var partition: Partition { Partition(shardCount: shardCount) }
    /// Vertices this shard owns, i.e. fingerprints a complete version holds.
    public var localVertexCount: Int {
        StoreLayout.localVertexCount(vertexCount: vertexCount, shardIndex: shardIndex, shardCount: shardCount)
    }

    /// Checks what a build needs: valid walk parameters, a shard inside the partition, a known encoding.
    public func validate() throws(StoreError) {
        do { try walkParameters.validate() } catch { throw .invalidManifest(error.description) }
        guard shardCount >= 1, shardIndex >= 0, shardIndex < shardCount else {
            throw .invalidManifest("shard \(shardIndex) outside 0..<\(shardCount)")
        }
        guard vertexCount >= 0, vertexCount <= Int(VertexIndex.max) else {
            throw .invalidManifest("vertex count \(vertexCount) out of range")
        }
        guard encodingVersion == FingerprintCodec.encodingVersion else {
            throw .invalidManifest(
                "fingerprint encoding \(encodingVersion), this build reads \(FingerprintCodec.encodingVersion)")
        }
    }
}

extension StoreManifest {
    /// "PWFM", little-endian.
    static let magic: UInt32 = 0x4D46_5750
    static let schemaVersion: UInt32 = 3
    /// Bytes of a schema 1 manifest (no graph flags).
    static let schema1ByteCount = 4 + 4 + 8 * 2 + 8 + 4 * 2 + 8 + 4 * 4 + 8 + 8 * 3
    /// Bytes of a schema 2 manifest (graph flags, no walk allocation).
    static let schema2ByteCount = schema1ByteCount + 4
    static let encodedByteCount = schema2ByteCount + 8 + 4
    /// Graph flags bit: the graph is weighted.
    static let weightedGraphFlag: UInt32 = 1

    /// The binary form stored in the `meta` database.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.encodedByteCount)
        StoreLayout.appendUInt32(Self.magic, to: &bytes)
        StoreLayout.appendUInt32(Self.schemaVersion, to: &bytes)
        StoreLayout.appendUInt64(graphChecksum, to: &bytes)
        StoreLayout.appendUInt64(UInt64(vertexCount), to: &bytes)
        StoreLayout.appendUInt64(walkParameters.restartProbability.bitPattern, to: &bytes)
        StoreLayout.appendUInt32(UInt32(walkParameters.walksPerVertex), to: &bytes)
        StoreLayout.appendUInt32(UInt32(walkParameters.maxWalkLength), to: &bytes)
        StoreLayout.appendUInt64(walkParameters.seed, to: &bytes)
        StoreLayout.appendUInt32(encodingVersion, to: &bytes)
        StoreLayout.appendUInt32(UInt32(shardIndex), to: &bytes)
        StoreLayout.appendUInt32(UInt32(shardCount), to: &bytes)
        StoreLayout.appendUInt32(version, to: &bytes)
        StoreLayout.appendUInt64(UInt64(bitPattern: createdUnixSeconds), to: &bytes)
        StoreLayout.appendUInt64(UInt64(fingerprintCount), to: &bytes)
        StoreLayout.appendUInt64(UInt64(entryCount), to: &bytes)
        StoreLayout.appendUInt64(UInt64(byteCount), to: &bytes)
        StoreLayout.appendUInt32(graphWeighted ? Self.weightedGraphFlag : 0, to: &bytes)
        StoreLayout.appendUInt64(walkParameters.allocation.hubScale.bitPattern, to: &bytes)
        StoreLayout.appendUInt32(UInt32(clamping: walkParameters.allocation.maxWalksPerVertex), to: &bytes)
        return bytes
    }

    /// Decodes `encoded()`; a wrong magic, schema version or length is an error naming what was found.
    public init(decoding bytes: Span<UInt8>) throws(StoreError) {
        guard bytes.count >= 8, StoreLayout.readUInt32(bytes, at: 0) == Self.magic else {
            throw .corruptIndex(path: "manifest", detail: bytes.count < 8 ? "\(bytes.count) bytes" : "bad magic")
        }
        let schema = StoreLayout.readUInt32(bytes, at: 4)
        guard (1...Self.schemaVersion).contains(schema) else {
            throw .incompatibleFormat(
                path: "manifest", detail: "schema \(schema), expected 1 ... \(Self.schemaVersion)")
        }
        let expected =
            switch schema {
            case 1: Self.schema1ByteCount
            case 2: Self.schema2ByteCount
            default: Self.encodedByteCount
            }
        guard bytes.count == expected else {
            throw .corruptIndex(
                path: "manifest", detail: "\(bytes.count) bytes, expected \(expected) for schema \(schema)")
        }
        var at = 8
        func u32() -> UInt32 { defer { at += 4 }; return StoreLayout.readUInt32(bytes, at: at) }
        func u64() -> UInt64 { defer { at += 8 }; return StoreLayout.readUInt64(bytes, at: at) }
        graphChecksum = u64()
        vertexCount = Int(truncatingIfNeeded: u64())
        let alpha = Double(bitPattern: u64())
        let walks = Int(u32())
        let maxLength = Int(u32())
        let seed = u64()
        var walk = WalkParameters(
            restartProbability: alpha, walksPerVertex: walks, maxWalkLength: maxLength, seed: seed,
            allocation: .uniform)
        encodingVersion = u32()
        shardIndex = Int(u32())
        shardCount = Int(u32())
        version = u32()
        createdUnixSeconds = Int64(bitPattern: u64())
        fingerprintCount = Int(truncatingIfNeeded: u64())
        entryCount = Int(truncatingIfNeeded: u64())
        byteCount = Int(truncatingIfNeeded: u64())
        let graphFlags = schema == 1 ? 0 : u32()
        guard graphFlags & ~Self.weightedGraphFlag == 0 else {
            throw .incompatibleFormat(
                path: "manifest", detail: "unknown graph flags 0x\(String(graphFlags, radix: 16))")
        }
        graphWeighted = graphFlags & Self.weightedGraphFlag != 0
        if schema >= 3 {
            walk.allocation = WalkAllocation(hubScale: Double(bitPattern: u64()), maxWalksPerVertex: Int(u32()))
            do { try walk.allocation.validate(walksPerVertex: walks) } catch {
                throw .corruptIndex(path: "manifest", detail: error.description)
            }
        }
        walkParameters = walk
    }
}

/// Where an index version is in its life.
public enum IndexVersionState: UInt8, Sendable, CustomStringConvertible {
    /// Being written; never read by queries.
    case building = 1
    /// Every chunk written and checked; may be activated.
    case complete = 2
    /// Cancelled or failed; its fingerprints were dropped.
    case failed = 3

    public var description: String {
        switch self {
        case .building: "building"
        case .complete: "complete"
        case .failed: "failed"
        }
    }
}

/// One version of a store: its number, state, manifest and whether it is the active one.
public struct IndexVersionInfo: Equatable, Sendable {
    public var version: UInt32
    public var state: IndexVersionState
    public var manifest: StoreManifest
    public var isActive: Bool
}
