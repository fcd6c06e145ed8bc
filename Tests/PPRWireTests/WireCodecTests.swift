import PPRWire
import Testing

@Suite struct WireCodecTests {
    @Test(arguments: WireSamples.requests)
    func everyRequestRoundTrips(_ request: WireRequest) throws {
        let bytes = WireCodec.encode(WireRequestEnvelope(requestID: 0xFEED, request: request))
        let decoded = try WireCodec.decodeRequest(bytes)
        #expect(decoded.requestID == 0xFEED)
        #expect(decoded.request == request)
    }

    @Test(arguments: WireSamples.responses)
    func everyResponseRoundTrips(_ response: WireResponse) throws {
        let bytes = WireCodec.encode(WireResponseEnvelope(method: .query, requestID: 31, response: response))
        let decoded = try WireCodec.decodeResponse(bytes)
        #expect(decoded.requestID == 31)
        #expect(decoded.method == .query)
        #expect(decoded.response == response)
    }

    @Test func randomBytesAreADecodeErrorNotACrash() {
        var generator = SplitMix(seed: 7)
        var failures = 0
        for length in [1, 2, 3, 7, 16, 100, 1000] {
            for _ in 0..<50 {
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                do {
                    _ = try WireCodec.decodeRequest(bytes)
                } catch {
                    failures += 1
                    #expect(!error.reason.isEmpty)
                }
                _ = try? WireCodec.decodeResponse(bytes)
            }
        }
        // Almost all random inputs fail; a rare one may parse as an envelope with a valid body.
        #expect(failures > 300)
    }

    @Test func everyTruncationOfARequestIsRejected() throws {
        let bytes = WireCodec.encode(WireRequestEnvelope(requestID: 5, request: WireSamples.requests[0]))
        for cut in 1..<bytes.count {
            let error = #expect(throws: WireDecodeError.self) { _ = try WireCodec.decodeRequest(Array(bytes[..<cut])) }
            #expect(error != nil, "prefix of \(cut) of \(bytes.count) bytes decoded")
        }
    }

    /// Float dense sums travel rounded to nearest and come back widened exactly; a partial sum that carries both
    /// dense forms (as a hostile or broken worker could send) is refused, naming the message.
    @Test func floatDenseSumsAreRoundedAndAMixedPartialSumIsRefused() throws {
        let values = [0.1, 0, 1.0 / 3, 0x1p-30]
        let sum = PartialSum(dense: values, asFloats: true)
        let envelope = WireResponseEnvelope(
            method: .combine, requestID: 9,
            response: .combine(CombineResponse(partialSums: [sum], indexVersion: 7, fingerprintsRead: 1)))
        guard case .combine(let decoded) = try WireCodec.decodeResponse(WireCodec.encode(envelope)).response else {
            Issue.record("not a combine reply")
            return
        }
        #expect(decoded.partialSums[0].dense == values.map { Double(Float($0)) })
        #expect(decoded.partialSums[0].denseAsFloats)
        // Insert a double dense field (field 3, packed: tag 0x1A, 8 bytes) into the PartialSum (field 1 of the
        // CombineResponse, written first) beside its floats (field 4, tag 0x22, 16 bytes).
        let one = WireResponseEnvelope(
            method: .combine, requestID: 9,
            response: .combine(
                CombineResponse(partialSums: [PartialSum(dense: [0.5], asFloats: true)], indexVersion: 7)))
        var bytes = WireCodec.encode(one)
        let floats: [UInt8] = [0x22, 0x04, 0x00, 0x00, 0x00, 0x3F]  // 0.5 as a little-endian float
        let at = try #require(
            (0...(bytes.count - floats.count)).first { Array(bytes[$0..<$0 + floats.count]) == floats })
        #expect(bytes[at - 2] == 0x0A && bytes[at - 1] == 6)
        let doubles: [UInt8] = [0x1A, 0x08] + withUnsafeBytes(of: (0.5).bitPattern.littleEndian, Array.init)
        bytes.insert(contentsOf: doubles, at: at)
        bytes[at - 1] += UInt8(doubles.count)
        bytes[at - 3] += UInt8(doubles.count)
        let error = #expect(throws: WireDecodeError.self) { _ = try WireCodec.decodeResponse(bytes) }
        #expect(error?.reason.contains("dense floats and other scores") == true, "\(String(describing: error))")
    }

    @Test func emptyEnvelopeIsNotARequestNorAReply() {
        #expect(throws: WireDecodeError.self) { _ = try WireCodec.decodeRequest([]) }
        #expect(throws: WireDecodeError.self) { _ = try WireCodec.decodeResponse([]) }
    }

    @Test func replyIsNotAcceptedAsRequest() {
        let reply = WireCodec.encode(
            WireResponseEnvelope(method: .query, requestID: 1, response: .query(WireSamples.queryResponse)))
        let error = #expect(throws: WireDecodeError.self) { _ = try WireCodec.decodeRequest(reply) }
        #expect(error?.reason.contains("no known request body") == true)
    }

    @Test func tokenRoundTripsAndIsAbsentWhenNotGiven() throws {
        let request = WireRequest.clusterStatus(ClusterStatusRequest())
        let with = WireCodec.encode(
            WireRequestEnvelope(requestID: 1, request: request, token: "s3cret-token-0123456789"))
        #expect(try WireCodec.decodeRequest(with).token == "s3cret-token-0123456789")
        let without = WireCodec.encode(WireRequestEnvelope(requestID: 1, request: request))
        #expect(try WireCodec.decodeRequest(without).token == nil)
        #expect(with.count > without.count)
    }

    @Test func authenticationCodesHaveTheirNames() throws {
        #expect(WireErrorCode.unauthenticated.rawValue == 16 && "\(WireErrorCode.unauthenticated)" == "UNAUTHENTICATED")
        #expect(
            WireErrorCode.permissionDenied.rawValue == 7 && "\(WireErrorCode.permissionDenied)" == "PERMISSION_DENIED")
        let bytes = WireCodec.encode(
            WireResponseEnvelope(
                method: .query, requestID: 2, response: .failure(WireError(.unauthenticated, "no token"))))
        #expect(try WireCodec.decodeResponse(bytes).response.failure == WireError(.unauthenticated, "no token"))
    }

    @Test func unknownErrorCodeSurvives() throws {
        let bytes = WireCodec.encode(
            WireResponseEnvelope(method: nil, requestID: 0, response: .failure(WireError(.init(rawValue: 42), "x"))))
        #expect(try WireCodec.decodeResponse(bytes).response.failure?.code.rawValue == 42)
    }
}

/// A tiny deterministic generator for test inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
