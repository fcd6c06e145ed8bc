// DatabaseKey: the byte forms of keys the wrapper accepts.

/// A value usable as an LMDB key: it lends its bytes for the duration of a call.
///
/// `UInt32` and `UInt64` lend their native (little-endian on every supported platform) bytes, as
/// databases opened with `.integerKey` require; byte arrays and strings (UTF-8) lend themselves.
public protocol DatabaseKey {
    /// Calls `body` with the key's bytes.
    func withKeyBytes<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R
}

extension Array: DatabaseKey where Element == UInt8 {
    /// The array's bytes.
    public func withKeyBytes<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R {
        try body(span)
    }
}

extension String: DatabaseKey {
    /// The string's UTF-8 bytes.
    public func withKeyBytes<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R {
        try Array(utf8).withKeyBytes(body)
    }
}

extension UInt32: DatabaseKey {
    /// The native-endian bytes, as `MDB_INTEGERKEY` expects (no allocation).
    public func withKeyBytes<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R {
        let v = self
        let bytes: InlineArray<4, UInt8> = [
            UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8),
            UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 24),
        ]
        #if _endian(big)
            let native: InlineArray<4, UInt8> = [bytes[3], bytes[2], bytes[1], bytes[0]]
            return try body(native.span)
        #else
            return try body(bytes.span)
        #endif
    }
}

extension UInt64: DatabaseKey {
    /// The native-endian bytes, as `MDB_INTEGERKEY` expects (no allocation).
    public func withKeyBytes<R>(_ body: (Span<UInt8>) throws -> R) rethrows -> R {
        var bytes = InlineArray<8, UInt8>(repeating: 0)
        let v = self.littleEndian
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        #if _endian(big)
            var native = InlineArray<8, UInt8>(repeating: 0)
            for i in 0..<8 { native[i] = bytes[7 - i] }
            return try body(native.span)
        #else
            return try body(bytes.span)
        #endif
    }
}
