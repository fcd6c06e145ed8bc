/// Fingerprints of every vertex, encoded and held in memory: a `FingerprintSource` for tests, benchmarks
/// and single-process use.
///
/// Built with `FingerprintWalker` and stored in the `FingerprintCodec` encoding; `accumulate` decodes with
/// `FingerprintCodec.accumulate`, the same path an LMDB-backed store takes, so a query over this source
/// exercises the production decode. Layout: all encodings concatenated in vertex order, with an offset
/// table (`offsets[v]..<offsets[v+1]` is vertex `v`'s encoding).
public struct InMemoryFingerprints: FingerprintSource, Sendable {
    public let walkParameters: WalkParameters
    /// Vertices covered: `0..<vertexCount`.
    public let vertexCount: Int
    /// Concatenated encodings.
    private let bytes: [UInt8]
    /// `vertexCount + 1` byte offsets into `bytes`.
    private let offsets: [Int]
    /// Walk steps taken while building (for throughput figures).
    public let stepCount: Int

    /// Walks from every vertex of `graph` (single-threaded).
    public init(graph: CSRGraph, parameters: WalkParameters) throws(ParameterError) {
        try parameters.validate()
        var walker = FingerprintWalker(graph: graph, parameters: parameters)
        var bytes: [UInt8] = []
        var offsets = [0]
        offsets.reserveCapacity(graph.vertexCount + 1)
        for u in 0..<graph.vertexCount {
            FingerprintCodec.encode(walker.fingerprint(of: VertexIndex(u)), into: &bytes)
            offsets.append(bytes.count)
        }
        self.walkParameters = parameters
        self.vertexCount = graph.vertexCount
        self.bytes = bytes
        self.offsets = offsets
        self.stepCount = walker.stepCount
    }

    /// Total encoded size.
    public var encodedByteCount: Int { bytes.count }

    /// The encoded fingerprint of `v`.
    public func encoded(_ v: VertexIndex) -> ArraySlice<UInt8> {
        bytes[offsets[Int(v)]..<offsets[Int(v) + 1]]
    }

    /// The decoded fingerprint of `v`.
    public func fingerprint(of v: VertexIndex) throws -> Fingerprint {
        guard Int(v) < vertexCount else { throw FingerprintSourceError.unknownVertex(v, vertexCount: vertexCount) }
        return try FingerprintCodec.decode(
            bytes.span.extracting(offsets[Int(v)]..<offsets[Int(v) + 1]),
            vertexCount: vertexCount)
    }

    public func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double]) throws {
        var entries = 0
        try accumulate(frontier, into: &accumulator, entries: &entries)
    }

    public func accumulate(_ frontier: [WeightedVertex], into accumulator: inout [Double], entries: inout Int) throws {
        guard accumulator.count == vertexCount else {
            throw FingerprintSourceError.accumulatorSize(accumulator.count, vertexCount: vertexCount)
        }
        let unit = walkParameters.restartProbability / Double(walkParameters.walksPerVertex)
        let all = bytes.span
        var target = accumulator.mutableSpan
        for entry in frontier {
            let v = Int(entry.vertex)
            guard v < vertexCount else {
                throw FingerprintSourceError.unknownVertex(entry.vertex, vertexCount: vertexCount)
            }
            entries += try FingerprintCodec.accumulate(
                all.extracting(offsets[v]..<offsets[v + 1]), scale: entry.weight * unit,
                into: &target)
        }
    }
}

/// A fingerprint source asked for something it does not hold.
public enum FingerprintSourceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frontier vertex outside the source's vertex range.
    case unknownVertex(VertexIndex, vertexCount: Int)
    /// The accumulator's length is not the vertex count.
    case accumulatorSize(Int, vertexCount: Int)

    public var description: String {
        switch self {
        case .unknownVertex(let v, let n): "no fingerprint for vertex index \(v): the index covers \(n) vertices"
        case .accumulatorSize(let size, let n): "accumulator has \(size) entries, expected \(n)"
        }
    }
}
