// StoreLayout: how a FingerprintStore lays out its LMDB environment (DESIGN §2 Indexing, §3 Manifest,
// Index versions).
//
// One environment (a directory: data.mdb + lock.mdb) per shard, or for the whole graph when
// shardCount = 1. It holds one or more index VERSIONS, numbered 1 ... FingerprintStore.maxVersion. Automatic
// numbers ("next") never go back; a number given by the coordinator is refused while its record exists, and
// a free number below "next" (its version deleted) may be given again (see beginVersion).
//
// db `meta` (string keys):
//   "format"            [UInt32 magic "PWFS"][UInt32 storeFormatVersion]   written when the store is created
//   "active"            [UInt32 version]                                   absent until a version is activated
//   "next"              [UInt32 next version number]
//   "version/%010u"     [UInt8 state][StoreManifest bytes]                 one per version
// db `fp.<version>` (integer keys, MDB_INTEGERKEY, native-endian UInt32):
//   key   = chunk number c: shard-local vertices c*256 ..< c*256+256 (the last chunk may be shorter).
//           Local index l of global vertex v = v / shardCount (modulo Partition of PPRCore), so
//           v = l * shardCount + shardIndex.
//   value = [UInt32 n][n+1 UInt32 offsets][payload], all little-endian; fingerprint i is
//           payload[offsets[i] ..< offsets[i+1]] in FingerprintCodec encoding; offsets[0] = 0,
//           offsets non-decreasing, offsets[n] = payload length.
//
// Why chunks: a query combines ~10^4 fingerprints; one B-tree lookup per chunk of 256 instead of one
// per vertex keeps that well under a millisecond, and fingerprints decode straight from the map.
//
// Crash safety: a version's record says `building` from `beginVersion` on; chunks are committed in
// batches; the record turns `complete` in a final transaction that first re-checks every chunk. So an
// interrupted build never looks complete, and the active version is never touched by a build.

/// Names, keys and byte helpers of the store layout described in this file's header.
enum StoreLayout {
    /// "PWFS", little-endian.
    static let storeMagic: UInt32 = 0x5346_5750
    /// Bumped when the layout above changes incompatibly.
    static let storeFormatVersion: UInt32 = 1
    /// Shard-local vertices per chunk.
    static let chunkVertexCount = 256

    static let activeKey = "active"
    static let nextVersionKey = "next"
    static let versionKeyPrefix = "version/"

    static func versionKey(_ version: UInt32) -> String {
        let digits = String(version)
        return versionKeyPrefix + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    static func fingerprintDatabaseName(_ version: UInt32) -> String { "fp.\(version)" }

    /// Vertices of `vertexCount` that shard `shardIndex` of `shardCount` owns.
    static func localVertexCount(vertexCount: Int, shardIndex: Int, shardCount: Int) -> Int {
        shardIndex < vertexCount ? (vertexCount - shardIndex + shardCount - 1) / shardCount : 0
    }

    static func chunkCount(localVertexCount: Int) -> Int {
        (localVertexCount + chunkVertexCount - 1) / chunkVertexCount
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func appendUInt64(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// The little-endian UInt32 at `offset`; the caller has checked `offset + 4 <= bytes.count`.
    @inline(__always)
    static func readUInt32(_ bytes: Span<UInt8>, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    /// The little-endian UInt64 at `offset`; the caller has checked `offset + 8 <= bytes.count`.
    static func readUInt64(_ bytes: Span<UInt8>, at offset: Int) -> UInt64 {
        UInt64(readUInt32(bytes, at: offset)) | UInt64(readUInt32(bytes, at: offset + 4)) << 32
    }

    /// A copy of the span's bytes.
    static func copy(_ span: Span<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(span.count)
        for i in 0..<span.count { bytes.append(span[i]) }
        return bytes
    }
}
