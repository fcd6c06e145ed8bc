// The graph file checksum: XXH64 (xxHash, 64-bit variant, seed 0) by Yann Collet.
//
// Why XXH64: a published, widely implemented 64-bit hash with known test vectors, so the checksum
// recorded in fingerprint manifests can be recomputed by any tool; it detects any single flipped
// byte and is fast enough in pure Swift (bytes are assembled into little-endian words from a Span,
// four independent lanes per 32-byte stripe). Not cryptographic: it guards against damage, not
// against an adversary. Verified against the reference vectors in GraphFileFormatTests.

/// XXH64 of a byte sequence, seed 0.
public enum GraphChecksum {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// XXH64 (seed 0) of `bytes`.
    public static func xxh64(_ bytes: Span<UInt8>) -> UInt64 {
        let count = bytes.count
        var offset = 0
        var hash: UInt64
        if count >= 32 {
            var v1 = prime1 &+ prime2
            var v2 = prime2
            var v3: UInt64 = 0
            var v4 = 0 &- prime1
            while offset + 32 <= count {
                v1 = round(v1, word(bytes, offset))
                v2 = round(v2, word(bytes, offset + 8))
                v3 = round(v3, word(bytes, offset + 16))
                v4 = round(v4, word(bytes, offset + 24))
                offset += 32
            }
            hash = v1.rotl(1) &+ v2.rotl(7) &+ v3.rotl(12) &+ v4.rotl(18)
            hash = merge(hash, v1)
            hash = merge(hash, v2)
            hash = merge(hash, v3)
            hash = merge(hash, v4)
        } else {
            hash = prime5
        }
        hash &+= UInt64(count)
        while offset + 8 <= count {
            hash ^= round(0, word(bytes, offset))
            hash = hash.rotl(27) &* prime1 &+ prime4
            offset += 8
        }
        if offset + 4 <= count {
            var half: UInt64 = 0
            for i in 0..<4 { half |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            hash ^= half &* prime1
            hash = hash.rotl(23) &* prime2 &+ prime3
            offset += 4
        }
        while offset < count {
            hash ^= UInt64(bytes[offset]) &* prime5
            hash = hash.rotl(11) &* prime1
            offset += 1
        }
        hash ^= hash >> 33
        hash &*= prime2
        hash ^= hash >> 29
        hash &*= prime3
        hash ^= hash >> 32
        return hash
    }

    /// XXH64 (seed 0) of an array of bytes.
    public static func xxh64(_ bytes: [UInt8]) -> UInt64 { xxh64(bytes.span) }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        (accumulator &+ input &* prime2).rotl(31) &* prime1
    }

    @inline(__always)
    private static func merge(_ hash: UInt64, _ lane: UInt64) -> UInt64 {
        (hash ^ round(0, lane)) &* prime1 &+ prime4
    }

    /// The little-endian 64-bit word at `offset`.
    @inline(__always)
    static func word(_ bytes: Span<UInt8>, _ offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotl(_ bits: UInt64) -> UInt64 { self << bits | self >> (64 - bits) }
}
