// The input file of a batch-query job: one query per line, `ID` or `ID:WEIGHT ID:WEIGHT ...`
// (whitespace-separated; a bare ID has weight 1). Blank lines and lines starting with `#` are skipped.
// The whole file is checked before anything is answered, so a malformed line fails the job with no
// output at all; the error names the file and the (1-based) line. The file is read through JobFiles, so
// it lies inside the job directory; an error quotes at most the offending token (cut to
// `maxQuotedToken` characters, control characters escaped), never more of the file.
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
    /// Characters of an offending token an error message quotes.
    static let maxQuotedToken = 40

    /// Reads (inside the job directory of `files`) and parses the input `path`.
    static func parse(path: String, files: JobFiles) throws(WireError) -> [BatchQueryLine] {
        let input = try JobFiles.wire { () throws(JobFilesError) in try files.readInput(path) }
        return try parse(String(decoding: input.bytes, as: UTF8.self), path: input.path)
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
                        "\(path) line \(number): '\(quoted(token))' is not a source (expected ID or ID:WEIGHT, "
                            + "ID an unsigned 64-bit integer, WEIGHT a finite number > 0)")
                }
                sources.append(source)
            }
            queries.append(BatchQueryLine(line: number, sources: sources))
        }
        return queries
    }

    /// `token` for an error message: at most `maxQuotedToken` characters, control characters escaped.
    static func quoted(_ token: Substring) -> String {
        let cut = JobFiles.quoted(String(token.prefix(maxQuotedToken)))
        return token.count > maxQuotedToken ? cut + "…" : cut
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
