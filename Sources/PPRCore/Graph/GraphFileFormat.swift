// Binary graph file layout (DESIGN §3 Graph file). All integers little-endian.
//
//   offset  size  field
//   0       8     magic "PWGRAPH\0"
//   8       4     formatVersion (UInt32): 1 unweighted, 2 weighted
//   12      4     flags (UInt32) = 0; reserved for future use, unknown bits are refused
//   16      8     vertexCount n (UInt64)
//   24      8     edgeCount m (UInt64)
//   32      8     checksum (UInt64): XXH64, seed 0, of every byte after the 64-byte header
//   40      24    reserved, zero
//   64            offsets: UInt64 x (n + 1)
//                 targets: UInt32 x m, then zero padding to a multiple of 8 bytes
//                 externalIDs: UInt64 x n
//                 weights (version 2 only): Float64 x m, the IEEE 754 bit patterns, parallel to targets
//
// Why two versions rather than a flag: an unweighted graph is still written as version 1, byte for
// byte what earlier releases wrote, so existing files, their checksums and the indexes pinned to
// them stay valid; only a weighted graph needs a reader that knows the weight section. The weights
// come last so both versions share every other section's offset. The checksum covers the weights:
// a weighted graph and its unweighted version never share a checksum (their payloads differ in length).
//
// Every section starts 8-byte aligned so a reader may memory-map the file and view the arrays in
// place. The total size is a function of (version, n, m), so truncation is caught before hashing; the
// checksum catches flipped bytes; `CSRGraph.validate()` then checks the structure and the weights.

/// Encodes a `CSRGraph` to the graph file bytes and decodes them back, validating.
public enum GraphFileFormat {
    /// `PWGRAPH\0`.
    public static let magic: [UInt8] = Array("PWGRAPH".utf8) + [0]
    /// The version of an unweighted graph's file (the layout without a weight section).
    public static let unweightedFormatVersion: UInt32 = 1
    /// The version of a weighted graph's file (version 1 plus the weight section).
    public static let weightedFormatVersion: UInt32 = 2
    /// Size of the fixed header in bytes.
    public static let headerByteCount = 64

    /// The version a file of `graph` is written in.
    public static func formatVersion(of graph: CSRGraph) -> UInt32 {
        graph.isWeighted ? weightedFormatVersion : unweightedFormatVersion
    }

    /// Byte offset of each section for a graph of `n` vertices and `m` edges, and the total size;
    /// `weights == total` when the graph is unweighted. Nil when the sizes overflow.
    static func layout(
        vertexCount n: UInt64, edgeCount m: UInt64, weighted: Bool
    ) -> (targets: UInt64, ids: UInt64, weights: UInt64, total: UInt64)? {
        let offsetsBytes = (n.addingReportingOverflow(1).partialValue).multipliedReportingOverflow(by: 8)
        let targetBytes = m.multipliedReportingOverflow(by: 4)
        let idBytes = n.multipliedReportingOverflow(by: 8)
        let weightBytes = m.multipliedReportingOverflow(by: 8)
        guard n < UInt64.max, !offsetsBytes.overflow, !targetBytes.overflow, !idBytes.overflow,
            !weightBytes.overflow, targetBytes.partialValue < UInt64.max - 8
        else { return nil }
        let paddedTargets = (targetBytes.partialValue + 7) / 8 * 8
        let targets = UInt64(headerByteCount) + offsetsBytes.partialValue
        let (ids, o1) = targets.addingReportingOverflow(paddedTargets)
        let (weights, o2) = ids.addingReportingOverflow(idBytes.partialValue)
        let (total, o3) = weights.addingReportingOverflow(weighted ? weightBytes.partialValue : 0)
        guard !o1, !o2, !o3 else { return nil }
        return (targets, ids, weights, total)
    }

    /// The file bytes of `graph` (header, checksum included): version 1 when unweighted, 2 when weighted.
    public static func encode(_ graph: CSRGraph) -> [UInt8] {
        let n = UInt64(graph.vertexCount)
        let m = UInt64(graph.edgeCount)
        guard let layout = layout(vertexCount: n, edgeCount: m, weighted: graph.isWeighted) else {
            preconditionFailure("graph of \(n) vertices and \(m) edges exceeds the file format")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(layout.total))
        bytes += magic
        append(formatVersion(of: graph), to: &bytes)
        append(UInt32(0), to: &bytes)
        append(n, to: &bytes)
        append(m, to: &bytes)
        bytes += [UInt8](repeating: 0, count: headerByteCount - bytes.count)
        appendPayload(of: graph, to: &bytes)
        let checksum = GraphChecksum.xxh64(bytes.span.extracting(headerByteCount...))
        for i in 0..<8 { bytes[32 + i] = UInt8(truncatingIfNeeded: checksum >> (8 * UInt64(i))) }
        return bytes
    }

    /// The checksum a graph file of `graph` records: what fingerprint manifests pin (DESIGN §3).
    public static func graphChecksum(of graph: CSRGraph) -> UInt64 {
        var payload: [UInt8] = []
        appendPayload(of: graph, to: &payload)
        return GraphChecksum.xxh64(payload)
    }

    /// Offsets, padded targets, external ids and (weighted graphs only) weights, in file order.
    private static func appendPayload(of graph: CSRGraph, to bytes: inout [UInt8]) {
        for offset in graph.offsets { append(offset, to: &bytes) }
        for target in graph.targets { append(target, to: &bytes) }
        if graph.targets.count % 2 == 1 { append(UInt32(0), to: &bytes) }
        for id in graph.externalIDs { append(id, to: &bytes) }
        for weight in graph.weights ?? [] { append(weight.bitPattern, to: &bytes) }
    }

    @inline(__always)
    private static func append<T: FixedWidthInteger & UnsignedInteger>(_ value: T, to bytes: inout [UInt8]) {
        for i in 0..<(T.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    /// `0x` and 16 hex digits, as checksums are shown to users.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
