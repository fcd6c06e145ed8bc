// NumPy `.npy` files, format version 1.0 (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
// the magic "\x93NUMPY", version bytes 1 0, a little-endian UInt16 header length, an ASCII Python dict
// `{'descr': '<u8', 'fortran_order': False, 'shape': (N,), }` padded with spaces and ended by '\n' so
// that the data starts at a multiple of 64 bytes, then the raw little-endian array.
//
// NumPyArrayWriter streams a 1-D array whose length is known only at the end: it writes a fixed
// 128-byte header first and rewrites it with the final shape in `finish()` (same length, so the data
// does not move). Used by the export job (issue 7 item 2); files are read with plain `numpy.load`.
import Foundation

/// A 1-D `.npy` array written in pieces.
public final class NumPyArrayWriter {
    /// NumPy dtype codes of the element types written.
    public enum DType: String, Sendable {
        case uint64 = "<u8"
        case int64 = "<i8"
        case float32 = "<f4"
    }

    /// Bytes before the data (a multiple of 64).
    static let headerBytes = 128
    private let handle: FileHandle
    private let dtype: DType
    private var buffer: [UInt8] = []
    /// Elements written so far.
    public private(set) var count = 0

    /// Creates (truncates) the file at `path` and writes a provisional header.
    public init(path: String, dtype: DType) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        self.dtype = dtype
        try handle.write(contentsOf: Self.header(dtype: dtype, count: 0))
    }

    deinit { try? handle.close() }

    /// The 128-byte header for `count` elements.
    public static func header(dtype: DType, count: Int) -> [UInt8] {
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': (\(count),), }"
        let fixed = 10  // magic (6), version (2), header length (2)
        let length = headerBytes - fixed
        while dict.utf8.count < length - 1 { dict += " " }
        dict += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(dict.utf8)
        precondition(bytes.count == headerBytes, "a shape longer than the fixed header")
        return bytes
    }

    public func append(_ values: [UInt64]) throws {
        precondition(dtype == .uint64)
        for v in values { appendLittleEndian(v.littleEndian) }
        count += values.count
        try flushIfLarge()
    }

    public func append(_ values: [Int64]) throws {
        precondition(dtype == .int64)
        for v in values { appendLittleEndian(v.littleEndian) }
        count += values.count
        try flushIfLarge()
    }

    public func append(_ values: [Float]) throws {
        precondition(dtype == .float32)
        for v in values { appendLittleEndian(v.bitPattern.littleEndian) }
        count += values.count
        try flushIfLarge()
    }

    /// Writes what is buffered, rewrites the header with the final shape, fsyncs and closes.
    public func finish() throws {
        try flush()
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Self.header(dtype: dtype, count: count))
        try handle.synchronize()
        try handle.close()
    }

    private func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { buffer.append(contentsOf: $0) }
    }

    private func flushIfLarge() throws { if buffer.count >= 1 << 20 { try flush() } }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
