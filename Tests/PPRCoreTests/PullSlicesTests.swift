import Testing

@testable import PPRCore

/// `PullSlices` (the whole-vector step's layout of the in-edges) holds exactly the per-vertex in-edge lists:
/// every vertex in one lane, each band a contiguous range of vertices (so threads write disjoint parts of
/// the output) ordered by in-degree, the slots of a vertex's sources (and their probabilities) in
/// ascending source order down its lane, then only pads that add zero; the slots are a permutation by
/// decreasing out-degree (self-loops left out); the bands cover the slices in order. Graphs with dangling vertices, self-loops,
/// multi-edges, weights, and a vertex count that is not a multiple of 8.
@Suite struct PullSlicesTests {
    @Test func slicesHoldEachVertexsInEdgesThenZeroPads() throws {
        for (name, graph) in try FastPPREquationStepTests.graphs() + [("one vertex", try Self.oneVertex())] {
            let inEdges = InEdges(graph: graph)
            let slices = inEdges.slices
            let n = graph.vertexCount
            let width = PullSlices.width
            #expect(Set(slices.order).count == n && slices.order.count == n, "\(name)")
            #expect(slices.starts.count == (n + width - 1) / width + 1, "\(name)")
            let bands = slices.bandStarts
            #expect(bands.count == InEdges.bandCount + 1 && bands.first == 0 && bands.last == slices.starts.count - 1)
            #expect(zip(bands, bands.dropFirst()).allSatisfy { $0 <= $1 }, "\(name): \(bands)")
            var firstOfBand = 0
            for b in 0..<InEdges.bandCount {
                let band = slices.order[min(n, bands[b] * width)..<min(n, bands[b + 1] * width)].map { Int($0) }
                #expect(band.sorted() == Array(firstOfBand..<firstOfBand + band.count), "\(name): band \(b)")
                firstOfBand += band.count
                let degrees = band.map { inEdges.inDegree($0) }
                #expect(zip(degrees, degrees.dropFirst()).allSatisfy { $0 >= $1 }, "\(name): band \(b) by in-degree")
            }
            #expect(firstOfBand == n)
            for (position, vertex) in slices.order.enumerated() {
                let v = Int(vertex)
                let (slice, lane) = position.quotientAndRemainder(dividingBy: width)
                let length = (slices.starts[slice + 1] - slices.starts[slice]) / width
                var laneSources: [VertexIndex] = []
                var pads = 0
                for j in 0..<length {
                    let slot = slices.starts[slice] + j * width + lane
                    if j < inEdges.inDegree(v) {
                        laneSources.append(slices.sources[slot])
                        if inEdges.isWeighted {
                            #expect(slices.probabilities[slot] == inEdges.probabilities[inEdges.offsets[v] + j])
                        }
                    } else if slices.sources[slot] == slices.padSlot,
                        !inEdges.isWeighted || slices.probabilities[slot] == 0
                    {
                        pads += 1
                    }
                }
                let expected = inEdges.sources[inEdges.offsets[v]..<inEdges.offsets[v + 1]].map {
                    slices.slot[Int($0)]
                }
                #expect(laneSources == expected, "\(name): vertex \(v)")
                #expect(pads == length - expected.count, "\(name): vertex \(v) pads")
            }
            #expect(slices.padSlot == VertexIndex(n))
            #expect(Set(slices.slot) == Set((0..<n).map { VertexIndex($0) }), "\(name): slots")
            var bySlot = [Int](repeating: 0, count: n)
            // Out-degree without the self-loops (the lists hold none: the step solves their terms).
            for v in 0..<n {
                let targets = graph.targets[graph.neighborRange(VertexIndex(v))]
                bySlot[Int(slices.slot[v])] = targets.count { Int($0) != v }
            }
            #expect(zip(bySlot, bySlot.dropFirst()).allSatisfy { $0 >= $1 }, "\(name): slots not by out-degree")
        }
    }

    /// The slices are built when the whole-vector step first needs them, once for every copy of the
    /// `InEdges`; the block step (a worker's only step) never builds them.
    @Test func slicesAreBuiltOnFirstUseOnlyByTheWholeVectorStep() throws {
        let graph = try TestSupport.loadGraph("email-Eu-core.txt").graph
        let inEdges = InEdges(graph: graph)
        let copy = inEdges
        let listsOnly = inEdges.byteCount
        let n = graph.vertexCount
        let rows = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: n)
        let spare = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: n)
        defer {
            rows.deallocate()
            spare.deallocate()
        }
        rows.initialize(repeating: SIMD16(repeating: 1), count: n)
        spare.initialize(repeating: SIMD16(), count: n)
        let p = Personalization(source: 0)
        _ = BlockEquationStep(inEdges: inEdges).apply(
            rows, spare: spare, steps: 2, personalizations: [p][...], alpha: 0.15)
        #expect(inEdges.byteCount == listsOnly)
        var x = [Double](repeating: 1 / Double(n), count: n)
        var scratch = PPREquationStep.Scratch()
        PPREquationStep.apply(steps: 1, to: &x, personalization: p, alpha: 0.15, inEdges: inEdges, scratch: &scratch)
        #expect(inEdges.byteCount > listsOnly)
        #expect(copy.byteCount == inEdges.byteCount)  // the copy shares the one build
    }

    /// A single vertex with a self-loop: one partial slice.
    static func oneVertex() throws -> CSRGraph {
        var builder = GraphBuilder()
        builder.addEdge(from: 7, to: 7)
        return try builder.build().graph
    }
}
