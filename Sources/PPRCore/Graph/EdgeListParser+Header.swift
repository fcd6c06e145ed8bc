// The CSV header row: columns are found by name, so their order does not matter. The source is
// `src` or `source`, the target `dst`, `target` or `destination`, the weight `weight` (names compare
// case-insensitively; `EdgeListOptions` chooses others). A header that lacks a needed column, names
// one twice, or uses one column for two roles is refused, quoting the header.

/// Where the fields an edge needs sit in a CSV row (0-based), as the header says.
struct CSVColumns: Equatable, Sendable {
    var source: Int
    var target: Int
    /// Nil unless the edge list is read with weights.
    var weight: Int?

    /// The last column a row must reach.
    var last: Int { max(source, target, weight ?? 0) }
}

extension EdgeListParser {
    /// Resolves the header row `bytes[start..<end]` into column positions and the names of unused columns.
    func resolveHeader(
        _ bytes: Span<UInt8>, _ start: Int, _ end: Int
    ) throws(EdgeListError) -> (columns: CSVColumns, ignored: [String]) {
        let names = Self.csvFieldTexts(bytes, start, end)
        let lowered = names.map { $0.lowercased() }
        let header = Self.excerpt(bytes, start, end)
        func refuse(_ reason: String) -> EdgeListError { .unusableHeader(file: file, header: header, reason: reason) }
        func find(_ accepted: [String], _ role: String) throws(EdgeListError) -> Int? {
            let matches = lowered.indices.filter { accepted.contains(lowered[$0]) }
            guard matches.count <= 1 else {
                throw refuse(
                    "names the \(role) column more than once (columns \(matches.map { String($0 + 1) }.joined(separator: ", ")))"
                )
            }
            return matches.first
        }
        let source = try find(options.sourceNames, "source")
        let target = try find(options.targetNames, "target")
        let weight = options.weighted ? try find([options.weightName], "weight") : nil
        var missing: [String] = []
        if source == nil {
            missing.append(options.sourceColumn.map { "column named \"\($0)\"" } ?? "source column (src or source)")
        }
        if target == nil {
            missing.append(
                options.targetColumn.map { "column named \"\($0)\"" } ?? "target column (dst, target or destination)")
        }
        if options.weighted, weight == nil {
            missing.append("weight column (\"\(options.weightColumn ?? "weight")\")")
        }
        guard let source, let target, missing.isEmpty else {
            let flags =
                options.weighted ? "--src-column, --dst-column or --weight-column" : "--src-column or --dst-column"
            throw refuse(
                "has no \(missing.joined(separator: " and no ")); name the columns or choose them with \(flags)")
        }
        guard source != target, weight != source, weight != target else {
            throw refuse("uses column \((source == target ? source : weight ?? source) + 1) for two roles")
        }
        let columns = CSVColumns(source: source, target: target, weight: weight)
        let ignored = names.indices.filter { $0 != source && $0 != target && $0 != weight }.map { index in
            names[index].isEmpty ? "column \(index + 1)" : "column \"\(names[index])\""
        }
        return (columns, ignored)
    }

    /// The fields of a CSV line, blanks trimmed and one pair of double quotes removed (`""` inside
    /// quotes is a literal quote, and a quoted field may hold commas).
    static func csvFieldTexts(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> [String] {
        var fields: [String] = []
        var cursor = start
        while true {
            cursor = skipBlanks(bytes, cursor, end)
            var text: [UInt8] = []
            if cursor < end, bytes[cursor] == UInt8(ascii: "\"") {
                cursor += 1
                while cursor < end {
                    if bytes[cursor] == UInt8(ascii: "\"") {
                        guard cursor + 1 < end, bytes[cursor + 1] == UInt8(ascii: "\"") else { break }
                        cursor += 1
                    }
                    text.append(bytes[cursor])
                    cursor += 1
                }
                while cursor < end, bytes[cursor] != UInt8(ascii: ",") { cursor += 1 }
            } else {
                while cursor < end, bytes[cursor] != UInt8(ascii: ",") {
                    text.append(bytes[cursor])
                    cursor += 1
                }
                while let last = text.last, isBlank(last) { text.removeLast() }
            }
            fields.append(String(decoding: text, as: UTF8.self))
            guard cursor < end else { return fields }
            cursor += 1  // the comma
        }
    }
}
