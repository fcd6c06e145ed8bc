/// The compact byte encoding of a fingerprint (encoding version 1).
///
/// Layout: `varint(entryCount)`, then per entry, vertices ascending:
/// `varint(gap << 1 | hasCount)` where `gap = vertex - previous - 1` (the first entry's previous is -1),
/// followed by `varint(count - 2)` only when `hasCount` (most vertices are visited once, so the
/// common entry costs one or two bytes). Varints are LEB128 (7 bits per byte, low bits first).
///
/// Decoding never trusts its input: every read is bounds-checked and a malformed buffer is an error,
/// so a damaged store cannot crash a server.
public enum FingerprintCodec {
    /// Bumped whenever the layout above changes; stores record it in their manifest.
    public static let encodingVersion: UInt32 = 1

    public static func encode(_ fingerprint: Fingerprint, into bytes: inout [UInt8]) {
        appendVarint(UInt64(fingerprint.entryCount), to: &bytes)
        var previous: Int64 = -1
        for i in 0..<fingerprint.entryCount {
            let vertex = Int64(fingerprint.vertices[i])
            let count = fingerprint.visitCounts[i]
            let gap = UInt64(vertex - previous - 1)
            previous = vertex
            if count == 1 {
                appendVarint(gap << 1, to: &bytes)
            } else {
                appendVarint(gap << 1 | 1, to: &bytes)
                appendVarint(UInt64(count - 2), to: &bytes)
            }
        }
    }

    public static func encode(_ fingerprint: Fingerprint) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + fingerprint.entryCount * 2)
        encode(fingerprint, into: &bytes)
        return bytes
    }

    public static func decode(_ bytes: Span<UInt8>, vertexCount: Int) throws(FingerprintCodecError) -> Fingerprint {
        var result = Fingerprint()
        try forEachEntry(bytes, vertexCount: vertexCount) { vertex, count in
            result.vertices.append(vertex)
            result.visitCounts.append(count)
        }
        return result
    }

    /// Adds `scale * count` to `accumulator[vertex]` for every entry: the inner loop of a query.
    ///
    /// `scale` is `weight * alpha / R`. Entries outside the accumulator are an error (a store built
    /// for another graph), checked per entry so a bad buffer cannot write out of bounds. This is
    /// `forEachEntry` specialised by hand (one-byte keys decoded inline, no closure): it is the
    /// hottest loop of a query. Entries before a malformed byte may already have been added.
    /// Returns the number of entries added.
    @inline(__always) @discardableResult
    public static func accumulate(
        _ bytes: Span<UInt8>, scale: Double, into accumulator: inout MutableSpan<Double>
    ) throws(FingerprintCodecError) -> Int {
        let limit = accumulator.count
        let end = bytes.count
        var position = 0
        let entryCount = try readVarint(bytes, &position)
        guard entryCount <= UInt64(limit) else { throw .malformed("entry count \(entryCount) exceeds the graph") }
        var vertex = -1
        for _ in 0..<Int(entryCount) {
            guard position < end else { throw .malformed("truncated varint at byte \(position)") }
            var key = UInt64(bytes[unchecked: position])
            if key < 0x80 {
                position &+= 1
            } else {
                key = try readVarint(bytes, &position)
            }
            let gap = key >> 1
            guard gap < UInt64(limit) else { throw .malformed("vertex gap \(gap) out of range") }
            vertex += 1 + Int(gap)
            guard vertex < limit else { throw .malformed("vertex \(vertex) out of range") }
            if key & 1 == 0 {
                accumulator[unchecked: vertex] += scale
            } else {
                let extra = try readVarint(bytes, &position)
                guard extra <= UInt64(UInt32.max - 2) else { throw .malformed("visit count overflows") }
                accumulator[unchecked: vertex] += scale * Double(extra + 2)
            }
        }
        guard position == end else { throw .malformed("\(end - position) trailing bytes") }
        return Int(entryCount)
    }

    /// Walks the entries of an encoded fingerprint in ascending vertex order.
    @inline(__always)
    public static func forEachEntry(
        _ bytes: Span<UInt8>, vertexCount: Int, _ body: (VertexIndex, UInt32) -> Void
    ) throws(FingerprintCodecError) {
        var position = 0
        let entryCount = try readVarint(bytes, &position)
        guard entryCount <= UInt64(vertexCount) else { throw .malformed("entry count \(entryCount) exceeds the graph") }
        var previous: Int64 = -1
        for _ in 0..<Int(entryCount) {
            let key = try readVarint(bytes, &position)
            let vertex = previous + 1 + Int64(truncatingIfNeeded: key >> 1)
            guard vertex >= 0, vertex < Int64(vertexCount) else { throw .malformed("vertex \(vertex) out of range") }
            var count: UInt32 = 1
            if key & 1 == 1 {
                let extra = try readVarint(bytes, &position)
                guard extra <= UInt64(UInt32.max - 2) else { throw .malformed("visit count overflows") }
                count = UInt32(extra) + 2
            }
            previous = vertex
            body(VertexIndex(vertex), count)
        }
        guard position == bytes.count else { throw .malformed("\(bytes.count - position) trailing bytes") }
    }

    @inline(__always)
    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inline(__always)
    static func readVarint(_ bytes: Span<UInt8>, _ position: inout Int) throws(FingerprintCodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw .malformed("truncated varint at byte \(position)") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw .malformed("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }
}

/// A stored fingerprint that does not decode.
public enum FingerprintCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    public var description: String {
        switch self {
        case .malformed(let why): "malformed fingerprint: \(why)"
        }
    }
}
