import PPRCore
import Testing

/// A small graph with a dangling vertex, a self-loop, an odd edge count (target padding) and big ids.
private func sampleGraph() throws -> CSRGraph {
    var builder = GraphBuilder()
    for (s, t) in [(10, 20), (10, 30), (20, 30), (30, 10), (30, 30), (UInt64.max, 10), (40, 50)] as [(UInt64, UInt64)] {
        builder.addEdge(from: s, to: t)
    }
    return try builder.build().graph
}

/// Writes `value` little-endian at `offset`.
private func store(_ value: UInt64, at offset: Int, width: Int, in bytes: inout [UInt8]) {
    for i in 0..<width { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
}

/// Recomputes the header checksum after an edit, so only the structural check can object.
private func reseal(_ bytes: inout [UInt8]) {
    let checksum = GraphChecksum.xxh64(Array(bytes[GraphFileFormat.headerByteCount...]))
    store(checksum, at: 32, width: 8, in: &bytes)
}

@Test(arguments: [
    ("", 0xEF46_DB37_51D8_E999 as UInt64),
    ("a", 0xD24E_C4F1_A98C_6E5B),
    ("abc", 0x44BC_2CF5_AD77_0999),
    ("1234", 0xD831_6E61_D84F_6BA4),
    ("12345678", 0xD2D0_2F08_CF7C_FD4A),
    ("123456789012345", 0xC377_D78A_DE00_1A3C),
    ("1234567890123456789012345678901", 0x8F36_7CB8_73A5_376E),
    ("12345678901234567890123456789012", 0x40FD_1AA5_2D98_274C),
    ("The quick brown fox jumps over the lazy dog", 0x0B24_2D36_1FDA_71BC),
])
func checksumIsXXH64(text: String, expected: UInt64) {
    #expect(GraphChecksum.xxh64(Array(text.utf8)) == expected)
}

@Test func roundTripPreservesGraphAndChecksum() throws {
    let graph = try sampleGraph()
    let bytes = GraphFileFormat.encode(graph)
    // header + offsets (n+1) + targets padded to 8 + ids
    #expect(bytes.count == 64 + 8 * 7 + 32 + 8 * 6)
    #expect(Array(bytes[0..<8]) == Array("PWGRAPH\0".utf8))
    #expect(bytes[8] == 1, "an unweighted graph is still written as format version 1")
    let (decoded, checksum) = try GraphFileFormat.decode(bytes)
    #expect(decoded.offsets == graph.offsets)
    #expect(decoded.targets == graph.targets)
    #expect(decoded.externalIDs == graph.externalIDs)
    #expect(checksum == GraphFileFormat.graphChecksum(of: graph))
    #expect(checksum == GraphChecksum.xxh64(Array(bytes[64...])))
}

@Test func encodingIsDeterministic() throws {
    #expect(GraphFileFormat.encode(try sampleGraph()) == GraphFileFormat.encode(try sampleGraph()))
}

/// Section starts of the sample graph's file: offsets, targets, padding, external ids.
@Test(arguments: [64, 64 + 8 * 3 + 2, 64 + 56 + 4 * 3, 64 + 56 + 32 + 8 * 5 + 7])
func flippedPayloadByteIsDetected(offset: Int) throws {
    var bytes = GraphFileFormat.encode(try sampleGraph())
    bytes[offset] ^= 0x01
    #expect {
        try GraphFileFormat.decode(bytes)
    } throws: { error in
        guard case .checksumMismatch = error as? GraphFileFormatError else { return false }
        return "\(error)".contains("damaged")
    }
}

@Test func flippedHeaderBytesAreDetected() throws {
    let good = GraphFileFormat.encode(try sampleGraph())
    for offset in 0..<64 {
        var bytes = good
        bytes[offset] ^= 0x10
        #expect(throws: GraphFileFormatError.self, "byte \(offset)") { try GraphFileFormat.decode(bytes) }
    }
}

@Test func truncationIsASizeMismatch() throws {
    let good = GraphFileFormat.encode(try sampleGraph())
    for count in [good.count - 1, good.count - 8, 70, 64] {
        #expect(throws: GraphFileFormatError.sizeMismatch(expected: UInt64(good.count), actual: count)) {
            try GraphFileFormat.decode(Array(good[0..<count]))
        }
    }
    #expect(throws: GraphFileFormatError.self) { try GraphFileFormat.decode(Array(good[0..<20])) }
    #expect(throws: GraphFileFormatError.self) { try GraphFileFormat.decode(good + [0]) }
}

@Test func wrongMagicAndVersionAreRefused() throws {
    var bytes = GraphFileFormat.encode(try sampleGraph())
    bytes[0] = UInt8(ascii: "X")
    #expect(throws: GraphFileFormatError.wrongMagic(found: "XWGRAPH?")) { try GraphFileFormat.decode(bytes) }
    #expect(throws: GraphFileFormatError.wrongMagic(found: "")) { try GraphFileFormat.decode([UInt8]()) }

    bytes = GraphFileFormat.encode(try sampleGraph())
    store(3, at: 8, width: 4, in: &bytes)
    #expect(throws: GraphFileFormatError.unsupportedVersion(3)) { try GraphFileFormat.decode(bytes) }
    #expect("\(GraphFileFormatError.unsupportedVersion(3))".contains("version 3"))
}

@Test func structurallyInvalidGraphIsRefusedEvenWithAValidChecksum() throws {
    let graph = try sampleGraph()
    var bytes = GraphFileFormat.encode(graph)
    let targetsStart = 64 + 8 * (graph.vertexCount + 1)
    store(99, at: targetsStart, width: 4, in: &bytes)  // target out of range
    reseal(&bytes)
    #expect {
        try GraphFileFormat.decode(bytes)
    } throws: { error in
        guard case .invalidGraph(.corrupt(let why)) = error as? GraphFileFormatError else { return false }
        return why.contains("out of range")
    }

    bytes = GraphFileFormat.encode(graph)
    let idsStart = bytes.count - 8 * graph.vertexCount
    store(graph.externalIDs[2], at: idsStart + 8, width: 8, in: &bytes)  // ids no longer ascending
    reseal(&bytes)
    #expect(throws: GraphFileFormatError.self) { try GraphFileFormat.decode(bytes) }
}

// MARK: Weighted graphs (format version 2)

/// The sample graph's edges with weights: 10→20 listed twice (2 + 0.25 sum to 2.25).
private func weightedSampleGraph() throws -> CSRGraph {
    var builder = GraphBuilder(weighted: true)
    let edges: [(UInt64, UInt64, Double)] = [
        (10, 20, 2), (10, 30, 0.5), (20, 30, 1e-300), (30, 10, 3), (30, 30, 1), (UInt64.max, 10, 7), (40, 50, 1e300),
        (10, 20, 0.25),
    ]
    for (s, t, w) in edges { builder.addEdge(from: s, to: t, weight: w) }
    return try builder.build().graph
}

@Test func weightedGraphIsVersion2WithAWeightSectionTheChecksumCovers() throws {
    let weighted = try weightedSampleGraph()
    let unweighted = try sampleGraph()
    let bytes = GraphFileFormat.encode(weighted)
    #expect(bytes[8] == 2)
    #expect(bytes.count == GraphFileFormat.encode(unweighted).count + 8 * weighted.edgeCount)
    #expect(
        Array(bytes[..<(bytes.count - 8 * weighted.edgeCount)].dropFirst(64))
            == Array(GraphFileFormat.encode(unweighted)[64...]))
    let (decoded, checksum) = try GraphFileFormat.decode(bytes)
    #expect(decoded.weights == weighted.weights)
    #expect(decoded.weights == [2.25, 0.5, 1e-300, 3, 1, 1e300, 7])
    #expect(decoded.targets == unweighted.targets && decoded.offsets == unweighted.offsets)
    #expect(checksum == GraphFileFormat.graphChecksum(of: weighted))
    #expect(checksum != GraphFileFormat.graphChecksum(of: unweighted))
    #expect(GraphFileFormat.encode(try weightedSampleGraph()) == bytes)
}

@Test func changingOneWeightChangesTheChecksum() throws {
    let graph = try weightedSampleGraph()
    var weights = try #require(graph.weights)
    weights[3] = weights[3].nextUp
    let other = CSRGraph(
        offsets: graph.offsets, targets: graph.targets, externalIDs: graph.externalIDs, weights: weights)
    #expect(GraphFileFormat.graphChecksum(of: other) != GraphFileFormat.graphChecksum(of: graph))
}

@Test func shortWeightSectionIsRefusedClearly() throws {
    let good = GraphFileFormat.encode(try weightedSampleGraph())
    let m = 7
    for cut in [1, 8, 8 * m - 1, 8 * m] {
        #expect {
            try GraphFileFormat.decode(Array(good.dropLast(cut)))
        } throws: { error in
            guard case .truncatedWeights(7, _, good.count - cut) = error as? GraphFileFormatError else { return false }
            return "\(error)".contains("weight section") && "\(error)".contains("truncated")
        }
    }
    // Cut into the external ids: the plain size check.
    #expect(throws: GraphFileFormatError.sizeMismatch(expected: UInt64(good.count), actual: good.count - 8 * m - 1)) {
        try GraphFileFormat.decode(Array(good.dropLast(8 * m + 1)))
    }
    // An unweighted file relabelled as version 2 has no weight section.
    var relabelled = GraphFileFormat.encode(try sampleGraph())
    store(2, at: 8, width: 4, in: &relabelled)
    #expect(throws: GraphFileFormatError.self) { try GraphFileFormat.decode(relabelled) }
}

@Test(arguments: [0.0, -1.5, Double.nan, Double.infinity, -Double.infinity, -0.0])
func nonPositiveOrNonFiniteStoredWeightIsRefused(weight: Double) throws {
    var bytes = GraphFileFormat.encode(try weightedSampleGraph())
    store(weight.bitPattern, at: bytes.count - 8 * 4, width: 8, in: &bytes)  // edge 3's weight
    reseal(&bytes)
    #expect {
        try GraphFileFormat.decode(bytes)
    } throws: { error in
        guard case .invalidGraph(.corrupt(let why)) = error as? GraphFileFormatError else { return false }
        return why.contains("edge 3 has weight") && why.contains("positive and finite")
    }
}

@Test func duplicateWeightsSumWhateverTheInputOrder() throws {
    let edges: [(UInt64, UInt64, Double)] = [(1, 2, 0.1), (1, 2, 0.2), (1, 2, 0.3), (2, 1, 1), (1, 2, 1e-17)]
    var sums: Set<UInt64> = []
    for rotation in 0..<edges.count {
        var builder = GraphBuilder(weighted: true)
        for (s, t, w) in edges[rotation...] + edges[..<rotation] { builder.addEdge(from: s, to: t, weight: w) }
        let (graph, statistics) = try builder.build()
        #expect(statistics.duplicateCount == 3 && statistics.edgeCount == 2)
        let weights = try #require(graph.weights)
        #expect(abs(weights[0] - 0.6) < 1e-15 && weights[1] == 1)
        sums.insert(weights[0].bitPattern)
    }
    #expect(sums.count == 1, "the summed weight must not depend on the input order")
}

@Test func weightsThatSumToInfinityAreRefusedNamingTheEdge() throws {
    var builder = GraphBuilder(weighted: true)
    builder.addEdge(from: 5, to: 9, weight: 1e308)
    builder.addEdge(from: 5, to: 9, weight: 1e308)
    #expect(throws: GraphError.invalidWeight(source: 5, target: 9, weight: .infinity)) { try builder.build() }
    #expect("\(GraphError.invalidWeight(source: 5, target: 9, weight: .infinity))".contains("5 -> 9"))
}

@Test func undirectedWeightedEdgesSumBothDirections() throws {
    var builder = GraphBuilder(undirected: true, weighted: true)
    builder.addEdge(from: 1, to: 2, weight: 2)
    builder.addEdge(from: 2, to: 1, weight: 3)
    builder.addEdge(from: 3, to: 3, weight: 4)
    let graph = try builder.build().graph
    #expect(graph.weights == [5, 5, 4])
}

@Test func unweightedBuilderIgnoresWeights() throws {
    var builder = GraphBuilder()
    builder.addEdge(from: 1, to: 2, weight: -3)
    let graph = try builder.build().graph
    #expect(graph.weights == nil && !graph.isWeighted)
}
