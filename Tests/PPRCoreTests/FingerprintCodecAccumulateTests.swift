import PPRCore
import Testing

/// The hand-specialised `FingerprintCodec.accumulate` against the generic decode path.
@Suite struct FingerprintCodecAccumulateTests {
    @Test func accumulateMatchesDecodeOnWalkedFingerprints() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        var walker = FingerprintWalker(graph: graph, parameters: WalkParameters(walksPerVertex: 300))
        for u in TestSupport.sampleSources(graph, count: 10, seed: 31) {
            let fingerprint = walker.fingerprint(of: u)
            let bytes = FingerprintCodec.encode(fingerprint)
            var fast = [Double](repeating: 0, count: graph.vertexCount)
            var span = fast.mutableSpan
            try FingerprintCodec.accumulate(bytes.span, scale: 0.5, into: &span)
            var slow = [Double](repeating: 0, count: graph.vertexCount)
            for (v, count) in zip(fingerprint.vertices, fingerprint.visitCounts) { slow[Int(v)] += 0.5 * Double(count) }
            #expect(fast == slow)
            #expect(fingerprint.visitCounts.contains { $0 >= 130 }, "multi-byte counts are exercised")
        }
    }

    @Test func accumulateRejectsMalformedBytes() {
        let valid = FingerprintCodec.encode(Fingerprint(vertices: [1, 200, 4000], visitCounts: [1, 300, 2]))
        let cases: [[UInt8]] = [
            Array(valid.dropLast()),  // truncated
            valid + [0],  // trailing byte
            [1, 0x80],  // truncated multi-byte key
            [2, 0, 0xFF, 0xFF, 0x03],  // second vertex far beyond the graph
            [5, 0],  // more entries than bytes
        ]
        for bytes in cases {
            var accumulator = [Double](repeating: 0, count: 5000)
            var span = accumulator.mutableSpan
            #expect(throws: FingerprintCodecError.self, "\(bytes)") {
                try FingerprintCodec.accumulate(bytes.span, scale: 1, into: &span)
            }
        }
        var small = [Double](repeating: 0, count: 100)
        var span = small.mutableSpan
        #expect(throws: FingerprintCodecError.self) {
            try FingerprintCodec.accumulate(valid.span, scale: 1, into: &span)
        }
    }
}
