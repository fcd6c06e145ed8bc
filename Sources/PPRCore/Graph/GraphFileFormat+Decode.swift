// Decoding and validation of the graph file (layout in GraphFileFormat.swift). Checks run cheapest
// first: magic, version, flags, reserved bytes, exact size for the header's version and counts (a
// short weight section gets its own message), checksum of the payload, and finally
// `CSRGraph.validate()` on the decoded arrays (structure, and every weight positive and finite).

extension GraphFileFormat {
    /// Decodes and validates graph file bytes; returns the graph and the checksum its header records.
    public static func decode(
        _ bytes: Span<UInt8>
    ) throws(GraphFileFormatError) -> (graph: CSRGraph, checksum: UInt64) {
        guard bytes.count >= magic.count, (0..<magic.count).allSatisfy({ bytes[$0] == magic[$0] }) else {
            let shown = (0..<min(bytes.count, magic.count)).map { i -> Character in
                let byte = bytes[i]
                return byte >= 0x20 && byte < 0x7F ? Character(Unicode.Scalar(byte)) : "?"
            }
            throw .wrongMagic(found: String(shown))
        }
        guard bytes.count >= headerByteCount else {
            throw .sizeMismatch(expected: UInt64(headerByteCount), actual: bytes.count)
        }
        let version = UInt32(truncatingIfNeeded: load(bytes, 8, width: 4))
        guard version == unweightedFormatVersion || version == weightedFormatVersion else {
            throw .unsupportedVersion(version)
        }
        let weighted = version == weightedFormatVersion
        let flags = UInt32(truncatingIfNeeded: load(bytes, 12, width: 4))
        guard flags == 0 else { throw .unsupportedFlags(flags) }
        let n = load(bytes, 16, width: 8)
        let m = load(bytes, 24, width: 8)
        let stored = load(bytes, 32, width: 8)
        guard (40..<headerByteCount).allSatisfy({ bytes[$0] == 0 }) else {
            throw .damagedHeader("reserved bytes 40..<64 are not zero")
        }
        guard n <= UInt64(VertexIndex.max) else {
            throw .damagedHeader("vertex count \(n) exceeds \(VertexIndex.max)")
        }
        guard let layout = layout(vertexCount: n, edgeCount: m, weighted: weighted) else {
            throw .sizeMismatch(expected: UInt64.max, actual: bytes.count)
        }
        let actual = UInt64(bytes.count)
        if weighted, actual >= layout.weights, actual < layout.total {
            throw .truncatedWeights(edgeCount: m, sectionStart: layout.weights, actual: bytes.count)
        }
        guard layout.total == actual else { throw .sizeMismatch(expected: layout.total, actual: bytes.count) }
        let computed = GraphChecksum.xxh64(bytes.extracting(headerByteCount...))
        guard computed == stored else { throw .checksumMismatch(stored: stored, computed: computed) }

        let vertexCount = Int(n)
        let edgeCount = Int(m)
        var offsets = [UInt64](repeating: 0, count: vertexCount + 1)
        for v in 0...vertexCount { offsets[v] = GraphChecksum.word(bytes, headerByteCount + 8 * v) }
        var targets = [VertexIndex](repeating: 0, count: edgeCount)
        let targetBase = Int(layout.targets)
        for e in 0..<edgeCount {
            targets[e] = VertexIndex(truncatingIfNeeded: load(bytes, targetBase + 4 * e, width: 4))
        }
        var externalIDs = [UInt64](repeating: 0, count: vertexCount)
        let idBase = Int(layout.ids)
        for v in 0..<vertexCount { externalIDs[v] = GraphChecksum.word(bytes, idBase + 8 * v) }
        var weights: [Double]?
        if weighted {
            let weightBase = Int(layout.weights)
            weights = (0..<edgeCount).map { Double(bitPattern: GraphChecksum.word(bytes, weightBase + 8 * $0)) }
        }
        let graph = CSRGraph(offsets: offsets, targets: targets, externalIDs: externalIDs, weights: weights)
        do {
            try graph.validate()
        } catch {
            throw .invalidGraph(error)
        }
        return (graph, stored)
    }

    /// Decodes and validates graph file bytes held in an array.
    public static func decode(_ bytes: [UInt8]) throws(GraphFileFormatError) -> (graph: CSRGraph, checksum: UInt64) {
        try decode(bytes.span)
    }

    /// The little-endian integer of `width` bytes at `offset`.
    @inline(__always)
    private static func load(_ bytes: Span<UInt8>, _ offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }
}
