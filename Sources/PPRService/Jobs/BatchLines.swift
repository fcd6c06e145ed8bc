// BatchLines: the batch-query input and output line formats for clients (pwctl query --batch), so a
// batch run from another host reads and writes exactly what the batch-query job does.
import PPRWire

/// Public face of BatchQueryInput / BatchQueryOutput.
public enum BatchLines {
    /// One query of a sources file: its 1-based line number and its sources.
    public struct Query: Sendable {
        public let line: Int
        public let sources: [QuerySource]
    }

    /// Parses a sources file's text (`ID` or `ID:WEIGHT ...` per line, `#` comments, LF or CRLF);
    /// errors name `path` and the line.
    public static func parse(_ text: String, path: String) throws(WireError) -> [Query] {
        try BatchQueryInput.parse(text, path: path).map { Query(line: $0.line, sources: $0.sources) }
    }

    /// The JSON line of an answered query (newline included).
    public static func line(_ query: Query, results: [RankedVertex], errorEstimate: Double? = nil) -> String {
        BatchQueryOutput.line(
            BatchQueryLine(line: query.line, sources: query.sources), results: results, errorEstimate: errorEstimate)
    }

    /// The JSON line of a query that failed (newline included).
    public static func line(_ query: Query, error: WireError) -> String {
        BatchQueryOutput.line(BatchQueryLine(line: query.line, sources: query.sources), error: error)
    }
}
