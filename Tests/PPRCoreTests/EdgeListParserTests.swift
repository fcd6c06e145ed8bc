import PPRCore
import Testing

/// Parses `text` in one chunk, or in chunks of `chunk` bytes, and returns the built graph's edges.
private func parse(
    _ text: String, format: EdgeListFormat = .snap, chunk: Int? = nil, undirected: Bool = false
) throws -> (edges: [[UInt64]], statistics: GraphBuilder.Statistics) {
    var parser = EdgeListParser(file: "test.txt", format: format)
    var builder = GraphBuilder(undirected: undirected)
    let bytes = Array(text.utf8)
    let step = chunk ?? max(bytes.count, 1)
    var start = 0
    while start < bytes.count {
        try parser.consume(Array(bytes[start..<min(start + step, bytes.count)]), into: &builder)
        start += step
    }
    try parser.finish(into: &builder)
    let (graph, statistics) = try builder.build()
    var edges: [[UInt64]] = []
    for v in 0..<graph.vertexCount {
        for e in graph.neighborRange(VertexIndex(v)) {
            edges.append([graph.externalIDs[v], graph.externalIDs[Int(graph.targets[e])]])
        }
    }
    return (edges, statistics)
}

/// The error thrown while parsing `text`, or nil.
private func parseError(_ text: String, format: EdgeListFormat = .snap) -> EdgeListError? {
    do {
        _ = try parse(text, format: format)
        return nil
    } catch let error as EdgeListError {
        return error
    } catch {
        return nil
    }
}

@Test func snapAcceptsWhitespaceCommentsBlankLinesAndCRLF() throws {
    let text = "# comment\n\n1 2\n2\t3\r\n   3    1   \n  # indented comment\n\t\n4 5 1700000000\n"
    let (edges, statistics) = try parse(text)
    #expect(edges == [[1, 2], [2, 3], [3, 1], [4, 5]])
    #expect(statistics.vertexCount == 5)
}

@Test func lastLineWithoutNewlineIsParsed() throws {
    #expect(try parse("1 2\n2 3").edges == [[1, 2], [2, 3]])
}

@Test(arguments: [1, 2, 3, 5, 7, 64])
func linesStraddlingChunksParseTheSame(chunk: Int) throws {
    let text = "# header\n10 20\r\n20 30\n\n30 10\n18446744073709551615 0\n0 10"
    #expect(try parse(text, chunk: chunk).edges == parse(text).edges)
}

@Test func largestUnsigned64BitIDIsAccepted() throws {
    #expect(try parse("18446744073709551615 0\n").edges == [[18_446_744_073_709_551_615, 0]])
}

@Test(arguments: [
    ("1 2\n-3 4\n", 2, "negative source id"),
    ("1 2\n3 -4\n", 2, "negative target id"),
    ("1 18446744073709551616\n", 1, "does not fit"),
    ("1 2\n# ok\n3\n", 3, "only one column"),
    ("1 2\n3   \n", 2, "only one column"),
    ("abc def\n", 1, "not an unsigned decimal integer"),
    ("1 2x\n", 1, "unexpected character"),
    ("1x 2\n", 1, "unexpected character"),
    ("1,2\n", 1, "unexpected character"),
    ("1 +2\n", 1, "not an unsigned decimal integer"),
])
func malformedSnapLinesNameFileLineAndReason(text: String, line: Int, reason: String) throws {
    let error = try #require(parseError(text))
    guard case .malformedLine(let file, let errorLine, let why) = error else {
        Issue.record("unexpected error \(error)")
        return
    }
    #expect(file == "test.txt")
    #expect(errorLine == line)
    #expect(why.contains(reason))
    #expect(error.description.hasPrefix("test.txt:\(line): "))
}

@Test func malformedLineExcerptIsShortAndQuoted() throws {
    let long = "1 " + String(repeating: "9", count: 30) + "z" + String(repeating: "q", count: 60)
    let error = try #require(parseError("1 2\n\(long)\n"))
    let text = error.description
    #expect(text.contains("\"1 999"))
    #expect(text.contains("…"))
    #expect(!text.contains(String(repeating: "q", count: 60)))
}

@Test func lineNumbersCountAcrossChunks() throws {
    var parser = EdgeListParser(file: "f", format: .snap)
    var builder = GraphBuilder()
    try parser.consume(Array("1 2\n3".utf8), into: &builder)
    try parser.consume(Array(" 4\n5 6\n7 ".utf8), into: &builder)
    #expect(throws: EdgeListError.malformedLine(file: "f", line: 4, reason: "only one column in \"7 \"")) {
        try parser.consume(Array("\n".utf8), into: &builder)
    }
}

@Test func csvSkipsHeaderIgnoresExtraColumnsAndQuotes() throws {
    let text = "\u{FEFF}source,target,weight\n1,2,0.5\n \"2\" , 3 \r\n\n3,1,x,y\n"
    let (edges, _) = try parse(text, format: .csv)
    #expect(edges == [[1, 2], [2, 3], [3, 1]])
}

@Test func csvWithoutHeaderIsRefused() throws {
    #expect(parseError("1,2\n2,3\n", format: .csv) == .missingHeader(file: "test.txt", excerpt: "1,2"))
    #expect(parseError("\"1\", \"2\"\n", format: .csv) == .missingHeader(file: "test.txt", excerpt: "\"1\", \"2\""))
}

@Test(arguments: [
    ("from,to\n1,2\n2,x\n", 3, "target id is not an unsigned decimal integer"),
    ("from,to\n1\n", 2, "only one column"),
    ("from,to\n,2\n", 2, "empty source column"),
    ("from,to\n1,\n", 2, "empty target column"),
    ("from,to\n-1,2\n", 2, "negative source id"),
    ("from,to\n1 2,3\n", 2, "source id is not an unsigned decimal integer"),
    ("from,to\n\"1,2\n", 2, "unterminated quote"),
])
func malformedCSVLinesNameLine(text: String, line: Int, reason: String) throws {
    let error = try #require(parseError(text, format: .csv))
    guard case .malformedLine(_, let errorLine, let why) = error else {
        Issue.record("unexpected error \(error)")
        return
    }
    #expect(errorLine == line)
    #expect(why.contains(reason))
}

@Test func snapParserRejectsCSVAndCSVParserRejectsSnap() {
    #expect(parseError("1,2\n") != nil)
    #expect(parseError("src,dst\n1 2\n", format: .csv) != nil)
}
