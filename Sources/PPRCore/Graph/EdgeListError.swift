/// Text formats of an edge list (DESIGN §1).
public enum EdgeListFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// SNAP text: `src dst [weight]` per line, any whitespace, `#` comment lines and blank lines allowed.
    case snap
    /// Comma-separated with a header row naming the source, target and (optional) weight columns.
    case csv

    public var description: String { rawValue }
}

/// Why an edge list could not be parsed; every case names the file.
public enum EdgeListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A line that is not an edge; `line` is 1-based and `reason` quotes a short excerpt.
    case malformedLine(file: String, line: Int, reason: String)
    /// A CSV file whose first line is data rather than the required header row.
    case missingHeader(file: String, excerpt: String)
    /// A CSV header without the columns the edges need; `header` is an excerpt of the header row.
    case unusableHeader(file: String, header: String, reason: String)
    /// A weighted edge list's line whose weight is missing, not a number, not positive or not finite.
    case invalidWeight(file: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .malformedLine(let file, let line, let reason):
            "\(file):\(line): malformed edge-list line: \(reason)"
        case .missingHeader(let file, let excerpt):
            "\(file):1: CSV edge list needs a header row (e.g. `source,target`), found data \"\(excerpt)\""
        case .unusableHeader(let file, let header, let reason):
            "\(file):1: CSV header \"\(header)\" \(reason)"
        case .invalidWeight(let file, let line, let reason):
            "\(file):\(line): invalid edge weight: \(reason)"
        }
    }
}
