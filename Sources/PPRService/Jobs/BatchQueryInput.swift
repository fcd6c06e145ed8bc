// The input file of a batch-query job: one query per line, `ID` or `ID:WEIGHT ID:WEIGHT ...`
// (whitespace-separated; a bare ID has weight 1). Blank lines and lines starting with `#` are skipped.
// The whole file is checked before anything is answered, so a malformed line fails the job with no
// output at all; the error names the file and the (1-based) line.
import Foundation
import PPRCore
import PPRWire

/// One query of the input: its line number in the file and its sources.
struct BatchQueryLine: Equatable, Sendable {
    /// 1-based line number in the input file (blank and comment lines count).
    let line: Int
    /// As written: external ids and weights (> 0, not normalised).
    let sources: [QuerySource]
}

/// Parser of batch-query input files.
enum BatchQueryInput {
    /// Reads and parses the file at `path`.
    static func parse(path: String) throws(WireError) -> [BatchQueryLine] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WireError(.failedPrecondition, "cannot read input file \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses `text`; errors name `path` and the line.
    static func parse(_ text: String, path: String) throws(WireError) -> [BatchQueryLine] {
        var queries: [BatchQueryLine] = []
        var number = 0
        // "\r\n" is one Character in Swift: split on it too, so CRLF files have their lines.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let content = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if content.isEmpty || content.hasPrefix("#") { continue }
            var sources: [QuerySource] = []
            for token in content.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let source = parseSource(token) else {
                    throw WireError(
                        .invalidArgument,
                        "\(path) line \(number): '\(token)' is not a source (expected ID or ID:WEIGHT, "
                            + "ID an unsigned 64-bit integer, WEIGHT a finite number > 0)")
                }
                sources.append(source)
            }
            queries.append(BatchQueryLine(line: number, sources: sources))
        }
        return queries
    }

    /// `ID` or `ID:WEIGHT`; nil if malformed.
    private static func parseSource(_ token: Substring) -> QuerySource? {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let id = UInt64(parts[0]) else { return nil }
        guard parts.count == 2 else { return QuerySource(VertexID(id)) }
        guard let weight = Double(parts[1]), weight.isFinite, weight > 0 else { return nil }
        return QuerySource(VertexID(id), weight: weight)
    }
}
