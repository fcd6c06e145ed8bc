// Streaming edge-list parser (DESIGN §1 Graph).
//
// Input arrives as byte chunks of any size (straight from a file or a gzip stream); a line may
// straddle two chunks, in which case its head is kept in `pending` until the newline arrives.
// Lines are parsed from bytes directly: no `String` per line, each id is accumulated digit by digit
// with overflow checks, so a malformed id is reported with its file, 1-based line number and an
// excerpt instead of being silently truncated. Cost is linear in the input size.
//
// Accepted lines:
// - snap: `src<ws>dst[<ws>extra...]`; blank lines and lines whose first non-blank byte is `#`.
// - csv: first non-blank line is a header (refused if its first two fields are both numbers);
//   then `src,dst[,extra...]`, spaces and double quotes around a field are ignored.
// Both accept `\r\n` endings. Extra columns (weights, timestamps) are ignored.

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
    /// CSV only: whether the header row has been consumed.
    private var sawHeader = false
    /// Number of edge lines parsed so far.
    public private(set) var edgeLineCount = 0

    /// Creates a parser for `format`; `file` names the input in errors.
    public init(file: String, format: EdgeListFormat) {
        self.file = file
        self.format = format
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
            builder.addEdge(from: source, to: target)
        case .csv:
            if !sawHeader {
                sawHeader = true
                if looksLikeData(bytes, cursor, end) {
                    throw .missingHeader(file: file, excerpt: Self.excerpt(bytes, start, end))
                }
                return
            }
            let source = try csvField(bytes, &cursor, end, start, column: "source")
            guard cursor < end, bytes[cursor] == UInt8(ascii: ",") else {
                throw malformed(bytes, start, end, "only one column (expected `source,target`)")
            }
            cursor += 1
            let target = try csvField(bytes, &cursor, end, start, column: "target")
            guard cursor == end || bytes[cursor] == UInt8(ascii: ",") else {
                throw malformed(bytes, start, end, "unexpected character after target id")
            }
            builder.addEdge(from: source, to: target)
        }
        edgeLineCount += 1
    }
}
