import PPRCore
import Testing

/// Parses `text` in one chunk, or in chunks of `chunk` bytes, and returns the built graph's edges.
private func parse(
    _ text: String, format: EdgeListFormat = .snap, chunk: Int? = nil, undirected: Bool = false,
    options: EdgeListOptions = EdgeListOptions()
) throws -> (edges: [[UInt64]], statistics: GraphBuilder.Statistics) {
    try parseGraph(text, format: format, chunk: chunk, undirected: undirected, options: options).parsed
}

/// Parses `text` and returns the graph, its edges as external-id pairs and the ignored columns.
private func parseGraph(
    _ text: String, format: EdgeListFormat = .snap, chunk: Int? = nil, undirected: Bool = false,
    options: EdgeListOptions = EdgeListOptions()
) throws -> (graph: CSRGraph, parsed: (edges: [[UInt64]], statistics: GraphBuilder.Statistics), ignored: [String]) {
    var parser = EdgeListParser(file: "test.txt", format: format, options: options)
    var builder = GraphBuilder(undirected: undirected, weighted: options.weighted)
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
    return (graph, (edges, statistics), parser.ignoredColumns)
}

/// The error thrown while parsing `text`, or nil.
private func parseError(
    _ text: String, format: EdgeListFormat = .snap, options: EdgeListOptions = EdgeListOptions()
) -> EdgeListError? {
    do {
        _ = try parse(text, format: format, options: options)
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
    ("src,dst\n1,2\n2,x\n", 3, "target id is not an unsigned decimal integer"),
    ("src,dst\n1\n", 2, "only one column; missing target (column 2)"),
    ("src,dst\n,2\n", 2, "empty source column"),
    ("src,dst\n1,\n", 2, "empty target column"),
    ("src,dst\n-1,2\n", 2, "negative source id"),
    ("src,dst\n1 2,3\n", 2, "source id is not an unsigned decimal integer"),
    ("src,dst\n\"1,2\n", 2, "unterminated quote"),
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

// MARK: CSV headers by name

@Test(arguments: [
    "src,dst\n1,2\n", "dst,src\n2,1\n", "source,target\n1,2\n", "target,source\n2,1\n",
    "Destination , SOURCE\n2,1\n", "\"dst\",\"src\"\n2,1\n", "when,dst,note,src\n9,2,\"a, b\",1\n",
    "weight,dst,src\n0.5,2,1\n",
])
func csvColumnsAreFoundByNameInAnyOrder(text: String) throws {
    #expect(try parse(text, format: .csv).edges == [[1, 2]])
}

@Test func chosenColumnNamesReplaceTheDefaults() throws {
    let options = EdgeListOptions(weighted: true, sourceColumn: "From", targetColumn: "to", weightColumn: "w")
    let (graph, parsed, ignored) = try parseGraph(
        "src,to,w,from,weight\n9,2,3.5,1,8\n", format: .csv, options: options)
    #expect(parsed.edges == [[1, 2]])
    #expect(graph.weights == [3.5])
    #expect(ignored == ["column \"src\"", "column \"weight\""])
}

@Test(arguments: [
    ("from,to\n1,2\n", EdgeListOptions(), "has no source column (src or source) and no target column"),
    ("src,to\n1,2\n", EdgeListOptions(), "has no target column (dst, target or destination)"),
    ("src,dst\n1,2\n", EdgeListOptions(weighted: true), "has no weight column (\"weight\")"),
    ("src,dst,w\n1,2,3\n", EdgeListOptions(weighted: true, weightColumn: "cost"), "no weight column (\"cost\")"),
    ("src,dst\n1,2\n", EdgeListOptions(sourceColumn: "from"), "has no column named \"from\""),
    ("src,source,dst\n1,1,2\n", EdgeListOptions(), "names the source column more than once (columns 1, 2)"),
    ("a,b\n1,2\n", EdgeListOptions(sourceColumn: "a", targetColumn: "A"), "uses column 1 for two roles"),
])
func unusableHeadersAreRefusedQuotingTheHeader(text: String, options: EdgeListOptions, reason: String) throws {
    let error = try #require(parseError(text, format: .csv, options: options))
    guard case .unusableHeader(let file, let header, let why) = error else {
        Issue.record("unexpected error \(error)")
        return
    }
    #expect(file == "test.txt")
    #expect(header == String(text.prefix(while: { $0 != "\n" })))
    #expect(why.contains(reason), "\(why)")
    #expect(error.description.hasPrefix("test.txt:1: CSV header \"\(header)\""))
}

@Test func reorderedRowMissingAColumnNamesIt() throws {
    let error = try #require(parseError("dst,src\n2,1\n3\n", format: .csv))
    #expect(
        error
            == .malformedLine(file: "test.txt", line: 3, reason: "only one column; missing source (column 2) in \"3\""))
}

// MARK: Weights

@Test func snapThirdColumnIsTheWeightAndDuplicatesSum() throws {
    let text = "# w\n1 2 0.5\n1\t2\t2\r\n2 1 1e-3 1700000000\n3 3 +4\n"
    let (graph, parsed, ignored) = try parseGraph(text, options: EdgeListOptions(weighted: true))
    #expect(parsed.edges == [[1, 2], [2, 1], [3, 3]])
    #expect(graph.weights == [2.5, 0.001, 4])
    #expect(parsed.statistics.duplicateCount == 1)
    #expect(ignored == ["column 4"])
}

@Test func csvWeightColumnIsRead() throws {
    let text = "dst,weight,src\n2, \"0.25\" ,1\n3,1.5,1\n2,0.75,1\n"
    let (graph, parsed, ignored) = try parseGraph(text, format: .csv, options: EdgeListOptions(weighted: true))
    #expect(parsed.edges == [[1, 2], [1, 3]])
    #expect(graph.weights == [1, 1.5])
    #expect(ignored.isEmpty)
}

@Test(arguments: [
    ("1 2 1\n1 3 1\n2 3 0\n", "weight \"0\" is not positive"),
    ("1 2 1\n1 3 1\n2 3 -1.5\n", "weight \"-1.5\" is not positive"),
    ("1 2 1\n1 3 1\n2 3 -0\n", "is not positive"),
    ("1 2 1\n1 3 1\n2 3 nan\n", "weight \"nan\" is NaN"),
    ("1 2 1\n1 3 1\n2 3 inf\n", "weight \"inf\" is infinite"),
    ("1 2 1\n1 3 1\n2 3 -infinity\n", "is infinite"),
    ("1 2 1\n1 3 1\n2 3 heavy\n", "weight \"heavy\" is not a number"),
    ("1 2 1\n1 3 1\n2 3 1.5kg\n", "weight \"1.5kg\" is not a number"),
    ("1 2 1\n1 3 1\n2 3\n", "missing weight (the third column)"),
    ("1 2 1\n1 3 1\n2 3   \n", "missing weight"),
])
func badSnapWeightsNameFileAndLine(text: String, reason: String) throws {
    let error = try #require(parseError(text, options: EdgeListOptions(weighted: true)))
    guard case .invalidWeight("test.txt", 3, let why) = error else {
        Issue.record("unexpected error \(error)")
        return
    }
    #expect(why.contains(reason), "\(why)")
    #expect(error.description.hasPrefix("test.txt:3: invalid edge weight: "))
}

@Test(arguments: [
    ("src,dst,weight\n1,2,1\n2,3,0\n", "is not positive"),
    ("src,dst,weight\n1,2,1\n2,3,-2\n", "is not positive"),
    ("src,dst,weight\n1,2,1\n2,3,NaN\n", "is NaN"),
    ("src,dst,weight\n1,2,1\n2,3,Infinity\n", "is infinite"),
    ("src,dst,weight\n1,2,1\n2,3,x\n", "weight \"x\" is not a number"),
    ("src,dst,weight\n1,2,1\n2,3,\n", "missing weight (column 3)"),
    ("src,dst,weight\n1,2,1\n2,3, \"\" \n", "missing weight (column 3)"),
    ("src,dst,weight\n1,2,1\n2,3\n", "missing weight (column 3)"),
    ("weight,src,dst\n1,1,2\n,2,3\n", "missing weight (column 1)"),
])
func badCSVWeightsNameFileAndLine(text: String, reason: String) throws {
    let error = try #require(parseError(text, format: .csv, options: EdgeListOptions(weighted: true)))
    guard case .invalidWeight("test.txt", 3, let why) = error else {
        Issue.record("unexpected error \(error)")
        return
    }
    #expect(why.contains(reason), "\(why)")
}

@Test func unweightedParsersListTheColumnsTheyIgnore() throws {
    #expect(try parseGraph("1 2\n2 3\n").ignored.isEmpty)
    #expect(try parseGraph("1 2\n2 3 0.5\n").ignored == ["column 3"])
    #expect(try parseGraph("1 2 x y\n2 3 0.5\n").ignored == ["column 3", "column 4"])
    #expect(try parseGraph("src,dst\n1,2\n", format: .csv).ignored.isEmpty)
    #expect(try parseGraph("src,dst,weight\n1,2,5\n", format: .csv).ignored == ["column \"weight\""])
    #expect(try parseGraph("weight,dst,,src\n5,2,,1\n", format: .csv).ignored == ["column \"weight\"", "column 3"])
    // The unweighted graph ignores the weights entirely.
    #expect(try parseGraph("src,dst,weight\n1,2,-5\n", format: .csv).graph.weights == nil)
}

@Test func integerAndDecimalWeightsParseToTheSameDoubles() throws {
    let text = "1 2 42\n1 3 000000000000003\n1 4 1234567890123456\n1 5 42.0\n1 6 999999999999999\n1 7 4.2e1\n"
    let graph = try parseGraph(text, options: EdgeListOptions(weighted: true)).graph
    #expect(graph.weights == [42, 3, 1_234_567_890_123_456, 42, 999_999_999_999_999, 42])
}
