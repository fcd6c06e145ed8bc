// Garbage on the coordinator's front: random bytes, a truncated protobuf and an empty message sent
// through a raw NNG req socket (PPRWire's `callRaw`). Each gets an error reply, and the coordinator
// process goes on answering real queries.
import Foundation
import PPRCore
import PPRWire
import Testing

extension EndToEnd {
    @Suite("malformed requests")
    struct MalformedRequestTests {
        @Test("random bytes, a truncated protobuf and an empty message get error replies; queries still work")
        func garbageGetsErrorReplies() async throws {
            try await ClusterProcess.with(shards: 2) { cluster in
                _ = try await cluster.indexJob()
                let client = try WireClient(dialing: cluster.coordinatorURL)
                defer { client.close() }

                let valid = WireCodec.encode(
                    WireRequestEnvelope(
                        requestID: 41, request: .query(QueryRequest(sources: [QuerySource(VertexID(0))], topK: 5))))
                // Sanity: the untruncated request is answered.
                let answered = try await client.callRaw(valid, deadline: .seconds(20))
                #expect(answered.response.failure == nil, "\(answered)")

                let garbage: [(String, [UInt8])] = [
                    ("random bytes", Self.pseudoRandomBytes(count: 200, seed: 12345)),
                    ("a truncated protobuf", Array(valid.dropLast(3))),
                    ("an empty message", []),
                ]
                for (name, bytes) in garbage {
                    let reply = try await client.callRaw(bytes, deadline: .seconds(20))
                    let failure = try #require(reply.response.failure, "\(name) got a non-error reply: \(reply)")
                    #expect(failure.code == .invalidArgument, "\(name): \(failure)")
                }

                let after = try await cluster.query(["--source", "0"])
                #expect(after.results.count == 10)
                #expect(cluster.coordinator?.isRunning == true)
            }
        }

        /// Deterministic bytes (SplitMix64), so a failure reproduces.
        static func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
            var state = seed
            return (0..<count).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return UInt8(truncatingIfNeeded: z ^ (z >> 31))
            }
        }
    }
}
