/// Why bytes could not be decoded as a graph file; every case means the file is damaged or foreign.
public enum GraphFileFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first 8 bytes are not `PWGRAPH\0`; `found` is a printable rendering of them.
    case wrongMagic(found: String)
    /// A format version this build cannot read.
    case unsupportedVersion(UInt32)
    /// Flag bits this build does not know.
    case unsupportedFlags(UInt32)
    /// The header's reserved bytes are not zero.
    case damagedHeader(String)
    /// The byte count does not match what the header's counts require.
    case sizeMismatch(expected: UInt64, actual: Int)
    /// A weighted (version 2) file that ends inside, or before, its weight section of `edgeCount` Float64s.
    case truncatedWeights(edgeCount: UInt64, sectionStart: UInt64, actual: Int)
    /// The payload does not hash to the checksum recorded in the header.
    case checksumMismatch(stored: UInt64, computed: UInt64)
    /// The arrays decode but break a `CSRGraph` invariant.
    case invalidGraph(GraphError)

    public var description: String {
        switch self {
        case .wrongMagic(let found):
            "not a PowerWalk graph file (magic is \"\(found)\", expected \"PWGRAPH\\0\"); damaged or wrong file"
        case .unsupportedVersion(let version):
            "graph file format version \(version) is not supported (this build reads versions "
                + "\(GraphFileFormat.unweightedFormatVersion) (unweighted) and \(GraphFileFormat.weightedFormatVersion) "
                + "(weighted)); damaged or written by another release"
        case .unsupportedFlags(let flags):
            "graph file has unknown flags 0x\(String(flags, radix: 16)); damaged or written by another release"
        case .damagedHeader(let why):
            "graph file header is damaged: \(why)"
        case .sizeMismatch(let expected, let actual):
            "graph file is damaged: its header's counts need \(expected) bytes but it has \(actual) (truncated?)"
        case .truncatedWeights(let edgeCount, let sectionStart, let actual):
            "graph file is damaged: it is a weighted graph whose weight section (\(edgeCount) weights of 8 bytes "
                + "from byte \(sectionStart)) is cut short: the file has \(actual) bytes (truncated?)"
        case .checksumMismatch(let stored, let computed):
            "graph file is damaged: checksum mismatch (header records \(GraphFileFormat.hex(stored)), "
                + "contents hash to \(GraphFileFormat.hex(computed)))"
        case .invalidGraph(let error):
            "graph file is damaged: \(error)"
        }
    }
}
