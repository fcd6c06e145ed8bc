// Streaming gzip/zlib decompression over zlib's `inflate`.
//
// The caller feeds compressed bytes in chunks of any size and receives decompressed bytes in
// chunks of at most `outputChunkBytes`, so memory stays bounded whatever the file size. Window
// bits 15 + 32 let zlib detect gzip or zlib headers. A file may hold several gzip members one after
// another (what `cat a.gz b.gz` produces); after each member's end the stream is reset and decoding
// continues. `finish()` refuses a stream that stopped inside a member: a truncated download must
// never read as a shorter graph (DESIGN §4).
//
// Blocking: everything here is synchronous CPU work on the caller's thread; there is no I/O.

internal import CZlib

/// Decompresses a gzip (or zlib) byte stream fed in chunks.
///
/// Not thread-safe: one decompressor belongs to one reader at a time.
public final class GzipDecompressor {
    // Safety: allocated once in init and never moved, because zlib keeps a back pointer to the
    // `z_stream` in its internal state. Owned; released with inflateEnd and freed in deinit.
    private let stream: UnsafeMutablePointer<z_stream>
    /// Output buffer handed to `inflate`; reused for every call.
    private var output: [UInt8]
    /// True between the first byte of a gzip member and its end marker.
    private var insideMember = false
    /// Number of members decoded completely.
    public private(set) var completedMembers = 0
    /// Total decompressed bytes produced so far.
    public private(set) var decompressedByteCount = 0

    /// Prepares a decompressor that emits at most `outputChunkBytes` at a time.
    public init(outputChunkBytes: Int = 1 << 20) throws(GzipError) {
        precondition(outputChunkBytes > 0, "output chunk must hold at least one byte")
        output = [UInt8](repeating: 0, count: outputChunkBytes)
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = czlib_inflate_init2(stream, 15 + 32)
        if rc != Z_OK {
            let error = Self.error(rc, "inflateInit2", stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Decompresses `input`, calling `body` with each piece of output (valid only during the call).
    public func feed(_ input: [UInt8], _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        var consumed = 0
        while consumed < input.count {
            insideMember = true  // bytes after a member's end start the next member
            let (rc, used, produced) = inflateStep(input, from: consumed)
            consumed += used
            decompressedByteCount += produced
            if produced > 0 { try body(output[0..<produced]) }
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                // One member done; a following member (concatenated gzip) starts from a clean state.
                insideMember = false
                completedMembers += 1
                try check(inflateReset(stream), "inflateReset")
            case Z_BUF_ERROR where used == 0 && produced == 0:
                // Cannot happen with input left and an empty output buffer; guard against a spin.
                throw GzipError(code: .bufferError, operation: "inflate", message: "no progress on non-empty input")
            case Z_BUF_ERROR:
                continue
            default:
                try check(rc, "inflate")
            }
        }
        // Drain output zlib may still hold for the input already consumed.
        while insideMember {
            let (rc, _, produced) = inflateStep(input, from: input.count)
            decompressedByteCount += produced
            if produced > 0 { try body(output[0..<produced]) }
            if rc == Z_STREAM_END {
                insideMember = false
                completedMembers += 1
                try check(inflateReset(stream), "inflateReset")
            } else if rc == Z_BUF_ERROR || produced < output.count {
                break
            } else {
                try check(rc, "inflate")
            }
        }
    }

    /// Declares the end of input; throws if the stream stopped inside a member or held no member.
    public func finish() throws(GzipError) {
        if insideMember {
            throw GzipError(
                code: .bufferError, operation: "finish",
                message: "compressed data ended before the end of the gzip stream (file truncated?)")
        }
        if completedMembers == 0 {
            throw GzipError(code: .bufferError, operation: "finish", message: "no compressed data (empty input)")
        }
    }

    /// One `inflate` call on `input[start...]`; returns the code, bytes consumed and bytes produced.
    private func inflateStep(_ input: [UInt8], from start: Int) -> (Int32, Int, Int) {
        let available = input.count - start
        return input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                // Safety: zlib reads `available` bytes from next_in and writes at most avail_out bytes
                // to next_out; both pointers are valid for the duration of this closure only, and the
                // stream's pointers are not used again before being reset on the next call.
                let base = available > 0 ? UnsafeMutablePointer(mutating: inBuffer.baseAddress! + start) : nil
                stream.pointee.next_in = base
                stream.pointee.avail_in = UInt32(available)
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = UInt32(outBuffer.count)
                let rc = inflate(stream, Z_NO_FLUSH)
                let used = available - Int(stream.pointee.avail_in)
                let produced = outBuffer.count - Int(stream.pointee.avail_out)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return (rc, used, produced)
            }
        }
    }

    /// The one choke point turning a zlib result into a `GzipError`.
    private func check(_ rc: Int32, _ operation: StaticString) throws(GzipError) {
        guard rc == Z_OK else { throw Self.error(rc, "\(operation)", stream) }
    }

    private static func error(_ rc: Int32, _ operation: String, _ stream: UnsafeMutablePointer<z_stream>) -> GzipError {
        let message: String
        if let text = stream.pointee.msg {
            message = String(cString: text)
        } else if let text = zError(rc) {
            message = String(cString: text)
        } else {
            message = "unknown zlib error"
        }
        let hint = rc == Z_DATA_ERROR ? " (corrupt or not gzip data)" : ""
        return GzipError(code: GzipError.Code(rawValue: rc), operation: operation, message: message + hint)
    }
}
