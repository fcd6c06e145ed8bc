// The output of a batch-query job: JSON lines, one per input query, in input order:
//   {"line":N,"sources":[{"vertex":ID,"weight":W},...],"results":[{"vertex":ID,"score":S},...],"error_estimate":X}
//   {"line":N,"sources":[...],"error":{"code":"NOT_FOUND","message":"..."}}
// written by hand so the keys keep this order. The file is written to OUTPUT.tmp-<job id>, fsynced,
// and renamed over OUTPUT only when complete, so OUTPUT is never partial or duplicated (JobFiles'
// AtomicOutputFile, inside the job directory).
import Foundation
import PPRCore
import PPRWire

/// JSON-line encoding of batch-query answers.
enum BatchQueryOutput {
    /// The line of an answered query.
    /// `errorEstimate` (the engine's estimated L1 distance to exact PPR) is written when given.
    static func line(_ query: BatchQueryLine, results: [RankedVertex], errorEstimate: Double? = nil) -> String {
        let entries = results.map { "{\"vertex\":\($0.vertex.rawValue),\"score\":\(number($0.score))}" }
        let estimate = errorEstimate.map { ",\"error_estimate\":\(number($0))" } ?? ""
        return prefix(query) + ",\"results\":[" + entries.joined(separator: ",") + "]" + estimate + "}\n"
    }

    /// The line of a query that got an error.
    static func line(_ query: BatchQueryLine, error: WireError) -> String {
        let code = string(error.code.description)
        return prefix(query) + ",\"error\":{\"code\":\(code),\"message\":\(string(error.message))}}\n"
    }

    private static func prefix(_ query: BatchQueryLine) -> String {
        let sources = query.sources.map { "{\"vertex\":\($0.vertex.rawValue),\"weight\":\(number($0.weight))}" }
        return "{\"line\":\(query.line),\"sources\":[" + sources.joined(separator: ",") + "]"
    }

    /// A finite double in shortest round-trip form (valid JSON); non-finite values (never produced) as null.
    private static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    /// A JSON string literal (the one escaping rule, `JSONString`).
    static func string(_ text: String) -> String { JSONString.quoted(text) }
}
