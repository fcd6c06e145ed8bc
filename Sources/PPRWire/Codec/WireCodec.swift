// WireCodec: Swift messages ↔ protobuf bytes (`ppr.v1.Envelope`) through the generated protobuf-c code.
//
// Encoding builds a protobuf-c struct tree in an `EncodeArena` and packs it; decoding unpacks with
// protobuf-c (which rejects malformed and truncated input by returning NULL) and converts the tree
// into Swift values before freeing it. Nothing C-typed leaves this folder, so a move to
// swift-protobuf would touch only `Codec/`.
internal import CPPRProto
import NNG

/// Translates requests and replies to and from their wire bytes.
public enum WireCodec {
    /// The bytes of a request envelope.
    public static func encode(_ envelope: WireRequestEnvelope) -> [UInt8] {
        let arena = EncodeArena()
        let env = arena.message(ppr__v1__envelope__init)
        env.pointee.method = cEnum(envelope.request.method.rawValue)
        env.pointee.request_id = envelope.requestID
        if let token = envelope.token, !token.isEmpty { env.pointee.token = arena.string(token) }
        setBody(of: env, to: envelope.request, in: arena)
        return withExtendedLifetime(arena) { pack(env) }  // the tree's memory is the arena's
    }

    /// The bytes of a reply envelope.
    public static func encode(_ envelope: WireResponseEnvelope) -> [UInt8] {
        let arena = EncodeArena()
        let env = responseEnvelope(envelope, in: arena)
        return withExtendedLifetime(arena) { pack(env) }
    }

    /// A reply envelope packed straight into an nng message (no intermediate byte array: a combine reply is
    /// hundreds of kilobytes).
    public static func encodeMessage(_ envelope: WireResponseEnvelope) throws(NNGError) -> Message {
        let arena = EncodeArena()
        let env = responseEnvelope(envelope, in: arena)
        let size = ppr__v1__envelope__get_packed_size(env)
        return try withExtendedLifetime(arena) { () throws(NNGError) in
            try Message(byteCount: size) { body in
                // Safety: get_packed_size is exactly what pack writes; the body has that many bytes.
                let written = ppr__v1__envelope__pack(env, body.baseAddress?.assumingMemoryBound(to: UInt8.self))
                precondition(written == size, "protobuf-c packed \(written) of \(size) bytes")
            }
        }
    }

    /// The C tree of a reply envelope, allocated in `arena` (which must outlive its packing).
    private static func responseEnvelope(
        _ envelope: WireResponseEnvelope, in arena: EncodeArena
    ) -> UnsafeMutablePointer<Ppr__V1__Envelope> {
        let env = arena.message(ppr__v1__envelope__init)
        env.pointee.method = cEnum(envelope.method?.rawValue ?? 0)
        env.pointee.request_id = envelope.requestID
        setBody(of: env, to: envelope.response, in: arena)
        return env
    }

    /// Decodes a request envelope; bytes that are not one throw, naming why.
    public static func decodeRequest(_ bytes: [UInt8]) throws(WireDecodeError) -> WireRequestEnvelope {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WireDecodeError) in try decodeRequest(buffer) }
        }
        return try result.get()
    }

    /// Decodes a request envelope from borrowed bytes (an nng message body: no copy first).
    public static func decodeRequest(_ bytes: UnsafeRawBufferPointer) throws(WireDecodeError) -> WireRequestEnvelope {
        try withEnvelope(bytes) { (env) throws(WireDecodeError) in
            guard env.error == nil else {
                throw WireDecodeError("a reply (carries an error) where a request was expected")
            }
            let request = try requestBody(of: env)
            guard rawValue(env.method) == request.method.rawValue else {
                throw WireDecodeError("method \(rawValue(env.method)) does not match a \(request.method) body")
            }
            let token = ProtoDecode.string(env.token)
            return WireRequestEnvelope(requestID: env.request_id, request: request, token: token.isEmpty ? nil : token)
        }
    }

    /// Decodes a reply envelope; bytes that are not one throw, naming why.
    public static func decodeResponse(_ bytes: [UInt8]) throws(WireDecodeError) -> WireResponseEnvelope {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(WireDecodeError) in try decodeResponse(buffer) }
        }
        return try result.get()
    }

    /// Decodes a reply envelope from borrowed bytes (an nng message body: no copy first).
    public static func decodeResponse(_ bytes: UnsafeRawBufferPointer) throws(WireDecodeError) -> WireResponseEnvelope {
        try withEnvelope(bytes) { (env) throws(WireDecodeError) in
            let response: WireResponse
            if let error = env.error, rawValue(error.pointee.code) != 0 {
                response = .failure(ProtoDecode.error(error.pointee))
            } else {
                response = try responseBody(of: env)
            }
            return WireResponseEnvelope(
                method: WireMethod(rawValue: rawValue(env.method)), requestID: env.request_id, response: response
            )
        }
    }

    private static func pack(_ env: UnsafeMutablePointer<Ppr__V1__Envelope>) -> [UInt8] {
        let size = ppr__v1__envelope__get_packed_size(env)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            // Safety: get_packed_size is exactly what pack writes; buffer has that capacity.
            initialized = ppr__v1__envelope__pack(env, buffer.baseAddress)
            precondition(initialized == size, "protobuf-c packed \(initialized) of \(size) bytes")
        }
    }

    /// Unpacks `bytes`, runs `body` on the tree and frees it; `body` must copy out what it keeps.
    private static func withEnvelope<R>(
        _ bytes: UnsafeRawBufferPointer, _ body: (Ppr__V1__Envelope) throws(WireDecodeError) -> R
    ) throws(WireDecodeError) -> R {
        let unpacked = ppr__v1__envelope__unpack(
            nil, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        guard let unpacked else {
            throw WireDecodeError("not a protobuf ppr.v1.Envelope (\(bytes.count) bytes)")
        }
        // Safety: the tree is freed only after body returned, and body copies into Swift values.
        defer { ppr__v1__envelope__free_unpacked(unpacked, nil) }
        return try body(unpacked.pointee)
    }
}
