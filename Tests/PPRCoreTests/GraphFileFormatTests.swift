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
    store(2, at: 8, width: 4, in: &bytes)
    #expect(throws: GraphFileFormatError.unsupportedVersion(2)) { try GraphFileFormat.decode(bytes) }
    #expect("\(GraphFileFormatError.unsupportedVersion(2))".contains("version 2"))
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
