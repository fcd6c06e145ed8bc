import Foundation

/// Fixed-width `Label: value` lines, the text output of every pwctl command.
enum LabeledLines {
    static func format(_ rows: [(String, String)]) -> String {
        let width = (rows.map(\.0.count).max() ?? 0) + 2
        return rows.map { label, value in (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value }
            .joined(separator: "\n")
    }
}

/// One-line JSON with sorted keys, the `--json` output of every pwctl command.
enum JSONOutput {
    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
