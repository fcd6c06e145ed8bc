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
