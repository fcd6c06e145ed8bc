internal import CPPRProto

/// Owns every C allocation made while building one protobuf-c message tree for packing.
///
/// protobuf-c packs from plain C structs whose fields point at arrays, strings and sub-messages.
/// The arena allocates those, keeps them alive while `pack` runs, and frees them all at once.
final class EncodeArena {
    // Safety: each block is allocated here, referenced only by structs of this arena's tree, and
    // freed exactly once in deinit, after the tree has been packed (the arena never escapes `encode`).
    private var blocks: [UnsafeMutableRawPointer] = []

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// A new message struct, set to its defaults by protobuf-c's generated `*__init` function.
    func message<T>(_ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        blocks.append(UnsafeMutableRawPointer(pointer))
        initialize(pointer)
        return pointer
    }

    /// A C array holding `values` (nil when empty, as protobuf-c expects for `n == 0`).
    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
        guard !values.isEmpty else { return nil }
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: values.count)
        blocks.append(UnsafeMutableRawPointer(buffer.baseAddress!))
        _ = buffer.initialize(from: values)
        return buffer.baseAddress
    }

    /// `values` rounded to floats (to nearest) in a C array: the conversion is the copy.
    func floats(_ values: [Double]) -> UnsafeMutablePointer<Float>? {
        guard !values.isEmpty else { return nil }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
        blocks.append(UnsafeMutableRawPointer(buffer.baseAddress!))
        values.withUnsafeBufferPointer { source in
            for i in source.indices { buffer.initializeElement(at: i, to: Float(source[i])) }
        }
        return buffer.baseAddress
    }

    /// A C array of sub-message pointers (protobuf-c's `T **` repeated message fields).
    func messages<T>(_ values: [UnsafeMutablePointer<T>]) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>? {
        array(values.map { Optional($0) })
    }

    /// A NUL-terminated copy of `string`.
    func string(_ string: String) -> UnsafeMutablePointer<CChar> {
        array(Array(string.utf8CString))!
    }
}

/// A Swift count as an unsigned protobuf field (negative counts clamp to 0).
func wireUInt32(_ value: Int) -> UInt32 { UInt32(clamping: value) }

/// A Swift count as an unsigned 64-bit protobuf field (negative counts clamp to 0).
func wireUInt64(_ value: Int) -> UInt64 { UInt64(clamping: value) }

/// A duration in whole microseconds (negative durations clamp to 0).
func wireMicros(_ duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    let micros = seconds.multipliedReportingOverflow(by: 1_000_000).partialValue + attoseconds / 1_000_000_000_000
    return UInt64(clamping: micros)
}

/// A C enum value from a Swift raw value.
func cEnum<E: RawRepresentable>(_ value: Int32) -> E where E.RawValue: FixedWidthInteger {
    E(rawValue: E.RawValue(truncatingIfNeeded: value))!
}

/// A C enum (or oneof case) value as a Swift raw value.
func rawValue<E: RawRepresentable>(_ value: E) -> Int32 where E.RawValue: FixedWidthInteger {
    Int32(truncatingIfNeeded: value.rawValue)
}
