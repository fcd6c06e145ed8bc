// Chunks of fingerprints: the value format of db `fp.<version>` (see StoreLayout):
// [UInt32 n][n+1 UInt32 offsets][payload of n FingerprintCodec encodings], little-endian.
import PPRCore

/// An encoded chunk ready to be written: chunk number and value bytes.
public struct EncodedChunk: Sendable, Equatable {
    /// Chunk number: shard-local vertices `index*256 ..< index*256+256`.
    public var index: UInt32
    /// The value bytes in the chunk format.
    public var bytes: [UInt8]

    public init(index: UInt32, bytes: [UInt8]) {
        self.index = index
        self.bytes = bytes
    }

    /// Encodes `fingerprints` (those of consecutive shard-local vertices) as chunk `index`.
    public init(index: UInt32, fingerprints: [Fingerprint]) {
        var payload: [UInt8] = []
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(fingerprints.count + 1)
        for fingerprint in fingerprints {
            FingerprintCodec.encode(fingerprint, into: &payload)
            offsets.append(UInt32(payload.count))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 * (offsets.count + 1) + payload.count)
        StoreLayout.appendUInt32(UInt32(fingerprints.count), to: &bytes)
        for offset in offsets { StoreLayout.appendUInt32(offset, to: &bytes) }
        bytes.append(contentsOf: payload)
        self.init(index: index, bytes: bytes)
    }
}

/// Reading the chunk format from a span over the memory map; every bound is checked.
enum ChunkFormat {
    /// Fingerprints in the chunk, after checking that the header and offset table fit.
    static func fingerprintCount(_ chunk: Span<UInt8>) throws(ChunkFormatError) -> Int {
        guard chunk.count >= 8 else { throw .init("\(chunk.count)-byte chunk is shorter than its header") }
        let count = Int(StoreLayout.readUInt32(chunk, at: 0))
        guard count <= StoreLayout.chunkVertexCount, headerByteCount(count) <= chunk.count else {
            throw .init("chunk claims \(count) fingerprints in \(chunk.count) bytes")
        }
        return count
    }

    @inline(__always)
    static func headerByteCount(_ count: Int) -> Int { 4 * (count + 2) }

    /// Where in `chunk` the encoded fingerprint in `slot` (< `count`) lies, after checking its offsets.
    @inline(__always)
    static func fingerprintRange(_ chunk: Span<UInt8>, count: Int, slot: Int) throws(ChunkFormatError) -> Range<Int> {
        let header = headerByteCount(count)
        let start = Int(StoreLayout.readUInt32(chunk, at: 4 + 4 * slot))
        let end = Int(StoreLayout.readUInt32(chunk, at: 8 + 4 * slot))
        guard start <= end, header + end <= chunk.count else {
            throw .init(
                "fingerprint \(slot) has offsets \(start)..<\(end) beyond the \(chunk.count - header)-byte payload")
        }
        return header + start..<header + end
    }

    /// Checks the whole chunk: offsets start at 0, never decrease, end at the payload length; each
    /// fingerprint decodes. Returns (fingerprints, entries).
    static func validate(_ chunk: Span<UInt8>, vertexCount: Int) throws(ChunkFormatError) -> (Int, Int) {
        let count = try fingerprintCount(chunk)
        let header = headerByteCount(count)
        guard StoreLayout.readUInt32(chunk, at: 4) == 0,
            Int(StoreLayout.readUInt32(chunk, at: 4 + 4 * count)) == chunk.count - header
        else { throw .init("offset table does not span the payload") }
        var entries = 0
        for slot in 0..<count {
            let bytes = chunk.extracting(try fingerprintRange(chunk, count: count, slot: slot))
            do {
                try FingerprintCodec.forEachEntry(bytes, vertexCount: vertexCount) { _, _ in entries += 1 }
            } catch {
                throw .init("fingerprint \(slot): \(error)")
            }
        }
        return (count, entries)
    }
}

/// A chunk whose bytes do not follow the chunk format.
struct ChunkFormatError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
