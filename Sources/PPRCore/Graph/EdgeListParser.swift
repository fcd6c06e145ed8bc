// Streaming edge-list parser (DESIGN §1 Graph).
//
// Input arrives as byte chunks of any size (straight from a file or a gzip stream); a line may
// straddle two chunks, in which case its head is kept in `pending` until the newline arrives.
// Lines are parsed from bytes directly: no `String` per line, each id is accumulated digit by digit
// with overflow checks, so a malformed id is reported with its file, 1-based line number and an
// excerpt instead of being silently truncated. A weight's few bytes go to the standard library's
// `Double` parser (correctly rounded decimal conversion). Cost is linear in the input size.
//
// Accepted lines:
// - snap: `src<ws>dst[<ws>weight][<ws>extra...]`; blank lines and lines whose first non-blank byte is `#`.
//   With `EdgeListOptions.weighted` the third column is the weight and is required.
// - csv: first non-blank line is a header (refused if its first two fields are both numbers) naming
//   the columns (EdgeListParser+Header.swift); then one edge per row, its fields found by position as
//   the header says; spaces and double quotes around a field are ignored.
// Both accept `\r\n` endings. Columns no edge uses (timestamps, or weights when unweighted) are
// ignored and listed in `ignoredColumns`, so the caller can warn once.

/// Parses edge-list text fed in chunks and adds each edge to a `GraphBuilder`.
public struct EdgeListParser {
    /// Name used in error messages (usually the path).
    public let file: String
    /// The syntax being parsed.
    public let format: EdgeListFormat
    /// Head of a line whose newline has not arrived yet.
    private var pending: [UInt8] = []
    /// 1-based number of the line being parsed (the next one to complete).
    private(set) var currentLine = 1
    /// Which columns to read.
    public let options: EdgeListOptions
    /// CSV only: the header's column positions, once the header row has been read.
    private var csvColumns: CSVColumns?
    /// CSV only: the header names of columns no edge uses.
    private var csvIgnored: [String] = []
    /// SNAP only: the most columns any edge line had.
    private var snapColumnCount = 0
    /// Number of edge lines parsed so far.
    public private(set) var edgeLineCount = 0

    /// Creates a parser for `format`; `file` names the input in errors.
    public init(file: String, format: EdgeListFormat, options: EdgeListOptions = EdgeListOptions()) {
        self.file = file
        self.format = format
        self.options = options
    }

    /// Columns present in the input that no edge used, as `column "name"` (CSV header names) or
    /// `column 3` (SNAP positions, and unnamed CSV columns); empty when every column was used.
    public var ignoredColumns: [String] {
        switch format {
        case .csv: return csvIgnored
        case .snap:
            let used = options.weighted ? 3 : 2
            return snapColumnCount > used ? (used + 1...snapColumnCount).map { "column \($0)" } : []
        }
    }

    /// Parses every complete line of `chunk`, keeping an unfinished last line for the next call.
    public mutating func consume(_ chunk: Span<UInt8>, into builder: inout GraphBuilder) throws(EdgeListError) {
        var start = 0
        var index = 0
        let count = chunk.count
        while index < count {
            if chunk[index] == UInt8(ascii: "\n") {
                if pending.isEmpty {
                    try parseLine(chunk, start, index, into: &builder)
                } else {
                    for i in start..<index { pending.append(chunk[i]) }
                    let line = pending
                    pending.removeAll(keepingCapacity: true)
                    try parseLine(line.span, 0, line.count, into: &builder)
                }
                currentLine += 1
                start = index + 1
            }
            index += 1
        }
        for i in start..<count { pending.append(chunk[i]) }
    }

    /// Convenience for callers holding an array.
    public mutating func consume(_ chunk: [UInt8], into builder: inout GraphBuilder) throws(EdgeListError) {
        try consume(chunk.span, into: &builder)
    }

    /// Parses a last line without a trailing newline; call once after the final chunk.
    public mutating func finish(into builder: inout GraphBuilder) throws(EdgeListError) {
        guard !pending.isEmpty else { return }
        let line = pending
        pending = []
        try parseLine(line.span, 0, line.count, into: &builder)
        currentLine += 1
    }

    /// Parses `bytes[start..<end]`, one line without its newline.
    private mutating func parseLine(
        _ bytes: Span<UInt8>, _ start: Int, _ end: Int, into builder: inout GraphBuilder
    ) throws(EdgeListError) {
        var cursor = Self.skipBlanks(bytes, start, end)
        if currentLine == 1, end - cursor >= 3, bytes[cursor] == 0xEF, bytes[cursor + 1] == 0xBB,
            bytes[cursor + 2] == 0xBF
        {
            cursor = Self.skipBlanks(bytes, cursor + 3, end)  // UTF-8 byte-order mark
        }
        if cursor == end { return }
        switch format {
        case .snap:
            if bytes[cursor] == UInt8(ascii: "#") { return }
            try parseSnapLine(bytes, cursor, start, end, into: &builder)
        case .csv:
            guard let columns = csvColumns else {
                if looksLikeData(bytes, cursor, end) {
                    throw .missingHeader(file: file, excerpt: Self.excerpt(bytes, start, end))
                }
                (csvColumns, csvIgnored) = try resolveHeader(bytes, cursor, end)
                return
            }
            try parseCSVRow(bytes, cursor, start, end, columns, into: &builder)
        }
        edgeLineCount += 1
    }

    /// One SNAP edge line from its first non-blank byte `cursor`.
    private mutating func parseSnapLine(
        _ bytes: Span<UInt8>, _ first: Int, _ start: Int, _ end: Int, into builder: inout GraphBuilder
    ) throws(EdgeListError) {
        var cursor = first
        let source = try field(bytes, &cursor, end, start, column: "source")
        guard cursor < end, Self.isBlank(bytes[cursor]) else {
            throw malformed(bytes, start, end, cursor == end ? "only one column" : "unexpected character")
        }
        cursor = Self.skipBlanks(bytes, cursor, end)
        guard cursor < end else { throw malformed(bytes, start, end, "only one column") }
        let target = try field(bytes, &cursor, end, start, column: "target")
        guard cursor == end || Self.isBlank(bytes[cursor]) else {
            throw malformed(bytes, start, end, "unexpected character after target id")
        }
        cursor = Self.skipBlanks(bytes, cursor, end)
        var weight = 1.0
        var columns = 2
        if options.weighted {
            guard cursor < end else {
                throw .invalidWeight(file: file, line: currentLine, reason: "missing weight (the third column)")
            }
            let weightStart = cursor
            while cursor < end, !Self.isBlank(bytes[cursor]) { cursor += 1 }
            weight = try self.weight(bytes, weightStart, cursor)
            columns = 3
            cursor = Self.skipBlanks(bytes, cursor, end)
        }
        // Count the ignored columns only on lines that have some (the warning names them).
        while cursor < end {
            columns += 1
            while cursor < end, !Self.isBlank(bytes[cursor]) { cursor += 1 }
            cursor = Self.skipBlanks(bytes, cursor, end)
        }
        snapColumnCount = max(snapColumnCount, columns)
        builder.addEdge(from: source, to: target, weight: weight)
    }

    /// One CSV data row from its first non-blank byte `cursor`; fields after the last needed one are not read.
    private func parseCSVRow(
        _ bytes: Span<UInt8>, _ first: Int, _ start: Int, _ end: Int, _ columns: CSVColumns,
        into builder: inout GraphBuilder
    ) throws(EdgeListError) {
        var cursor = first
        var source: UInt64 = 0
        var target: UInt64 = 0
        var weight = 1.0
        for column in 0...columns.last {
            if column > 0 {
                guard cursor < end, bytes[cursor] == UInt8(ascii: ",") else {
                    throw missingColumn(bytes, start, end, columns, found: column)
                }
                cursor += 1
            }
            switch column {
            case columns.source: source = try csvField(bytes, &cursor, end, start, column: "source")
            case columns.target: target = try csvField(bytes, &cursor, end, start, column: "target")
            case columns.weight: weight = try csvWeight(bytes, &cursor, end, start, column: column)
            default: try skipCSVField(bytes, &cursor, end, start, column: column)
            }
        }
        builder.addEdge(from: source, to: target, weight: weight)
    }

    /// The error for a row that ends after `found` fields, before a column the header placed later.
    private func missingColumn(
        _ bytes: Span<UInt8>, _ start: Int, _ end: Int, _ columns: CSVColumns, found: Int
    ) -> EdgeListError {
        let sourceOrTarget = [(columns.source, "source"), (columns.target, "target")]
        if let weightColumn = columns.weight, weightColumn >= found,
            sourceOrTarget.allSatisfy({ $0.0 < found })
        {
            return .invalidWeight(file: file, line: currentLine, reason: "missing weight (column \(weightColumn + 1))")
        }
        let missing = sourceOrTarget.filter { $0.0 >= found }.map { "\($0.1) (column \($0.0 + 1))" }
        let what = found == 1 ? "only one column" : "only \(found) columns"
        return malformed(bytes, start, end, "\(what); missing \(missing.joined(separator: " and "))")
    }
}
