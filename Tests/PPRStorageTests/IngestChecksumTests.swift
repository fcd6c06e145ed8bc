import Foundation
import PPRCore
import PPRStorage
import Testing

// The graph builder was rewritten for memory (fixed-size edge blocks, a bitmap numbering, a scatter into
// CSR ranges instead of sorting packed edges). The graph files must stay byte-identical: these checksums
// were recorded with the previous builder (commit 34a2083, `pwctl ingest` of the same text) and pin it.

/// The text of an R-MAT scale-12 edge list (`pwbench generate --scale 12 --edge-factor 16 --seed 1`):
/// 65,536 edges with duplicates and self-loops. `ids` maps each generated id to the id written;
/// `weighted` appends a weight column cycling through `weightCycle`.
private func rmatText(ids: (UInt64) -> UInt64 = { $0 }, weighted: Bool = false) -> [UInt8] {
    var text = Array("# R-MAT scale 12\n".utf8)
    var line = 0
    RMATGenerator(scale: 12, edgeFactor: 16, seed: 1).forEachEdge { source, target in
        text += Array("\(ids(UInt64(source)))\t\(ids(UInt64(target)))".utf8)
        if weighted { text += Array("\t\(weightCycle[line % weightCycle.count])".utf8) }
        text.append(0x0A)
        line += 1
    }
    return text
}

/// Weights whose sums depend on the order of addition (0.1 + 0.2 + 0.3 differs from 0.3 + 0.2 + 0.1).
private let weightCycle = ["0.1", "0.2", "0.3", "1", "7"]

/// Ids spread over 64 bits (an odd multiplier is a bijection modulo 2^64), so the builder sorts them.
private func spread(_ id: UInt64) -> UInt64 { id &* 0x9E37_79B9_7F4A_7C15 }

private func ingestedChecksum(
    _ text: [UInt8], undirected: Bool = false, weighted: Bool = false
) throws -> (checksum: UInt64, statistics: GraphBuilder.Statistics) {
    try withTemporaryDirectory { directory in
        let path = directory + "/rmat.txt"
        try writeBytes(text, to: path)
        let ingested = try EdgeListReader.ingest(
            path, options: EdgeListOptions(weighted: weighted), undirected: undirected)
        try ingested.graph.validate()
        return (GraphFileFormat.graphChecksum(of: ingested.graph), ingested.statistics)
    }
}

@Test func rmatIngestKeepsThePreviousBuildersChecksum() throws {
    let (checksum, statistics) = try ingestedChecksum(rmatText())
    #expect(GraphFileFormat.hex(checksum) == "0x09742b889467d587")
    // The previous builder's counts for this file.
    #expect(statistics.vertexCount == 3_346 && statistics.edgeCount == 53_434)
    #expect(statistics.danglingCount == 396 && statistics.selfLoopCount == 56 && statistics.duplicateCount == 12_102)
}

@Test func undirectedRMATIngestKeepsThePreviousBuildersChecksum() throws {
    let (checksum, statistics) = try ingestedChecksum(rmatText(), undirected: true)
    #expect(GraphFileFormat.hex(checksum) == "0xd8880d15e72c5ca1")
    #expect(statistics.edgeCount == 96_916 && statistics.duplicateCount == 33_941 && statistics.danglingCount == 0)
}

@Test func weightedRMATIngestKeepsThePreviousBuildersChecksum() throws {
    let (checksum, _) = try ingestedChecksum(rmatText(weighted: true), weighted: true)
    #expect(GraphFileFormat.hex(checksum) == "0xb9a54931cd20ed14")
}

@Test func sparseIDsKeepThePreviousBuildersChecksum() throws {
    let (checksum, statistics) = try ingestedChecksum(rmatText(ids: spread))
    #expect(GraphFileFormat.hex(checksum) == "0xd31fb700626db771")
    let dense = try ingestedChecksum(rmatText()).statistics
    #expect(statistics.vertexCount == dense.vertexCount && statistics.edgeCount == dense.edgeCount)
}

@Test func ingestSpanningSeveralBuilderBlocksMatchesEdgeByEdge() throws {
    // More edges than one storage block (2^19), every duplicate and self-loop counted by hand.
    var builder = GraphBuilder()
    let n: UInt64 = 1_000
    var expected = Set<[UInt64]>()
    var added = 0
    for i in 0..<UInt64(600_000) {
        let (s, d) = (i % n, (i * 7 + i / n) % n)
        builder.addEdge(from: s, to: d)
        expected.insert([s, d])
        added += 1
    }
    let (graph, statistics) = try builder.build()
    try graph.validate()
    var edges = Set<[UInt64]>()
    for v in 0..<graph.vertexCount {
        for e in graph.neighborRange(VertexIndex(v)) {
            edges.insert([graph.externalIDs[v], graph.externalIDs[Int(graph.targets[e])]])
        }
    }
    #expect(edges == expected)
    #expect(statistics.edgeCount == expected.count && statistics.duplicateCount == added - expected.count)
    #expect(statistics.selfLoopCount == expected.filter { $0[0] == $0[1] }.count)
}
