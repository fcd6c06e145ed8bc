/// Text formats of an edge list (DESIGN §1).
public enum EdgeListFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// SNAP text: `src dst` per line, any whitespace, `#` comment lines and blank lines allowed.
    case snap
    /// Comma-separated with a header row; source and target are the first two columns.
    case csv

    public var description: String { rawValue }
}

/// Why an edge list could not be parsed; every case names the file.
public enum EdgeListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A line that is not an edge; `line` is 1-based and `reason` quotes a short excerpt.
    case malformedLine(file: String, line: Int, reason: String)
    /// A CSV file whose first line is data rather than the required header row.
    case missingHeader(file: String, excerpt: String)

    public var description: String {
        switch self {
        case .malformedLine(let file, let line, let reason):
            "\(file):\(line): malformed edge-list line: \(reason)"
        case .missingHeader(let file, let excerpt):
            "\(file):1: CSV edge list needs a header row (e.g. `source,target`), found data \"\(excerpt)\""
        }
    }
}
