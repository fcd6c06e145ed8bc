import Foundation
import Gzip
import PPRCore
import PPRStorage
import Testing

// MARK: Helpers shared by the PPRStorage ingest and graph-file tests

/// Path of a file in `Fixtures/ingest`.
func ingestFixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return url.appendingPathComponent("ingest").appendingPathComponent(name).path
}

/// Runs `body` with a fresh temporary directory that is removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-ingest-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Names in a directory, sorted (hidden files included: temp files must not linger).
func directoryListing(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
}

/// Writes bytes to a new file.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Reads a file's bytes.
func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The edges of a graph as sorted external-id pairs.
private func pairs(_ graph: CSRGraph) -> [[UInt64]] {
    (0..<graph.vertexCount).flatMap { v in
        graph.neighborRange(VertexIndex(v)).map { [graph.externalIDs[v], graph.externalIDs[Int(graph.targets[$0])]] }
    }
}

@Test func tinySnapFixtureHasHandCountedStatistics() throws {
    let (graph, statistics) = try EdgeListReader.read(try ingestFixture("tiny.txt"))
    #expect(statistics.vertexCount == 7)
    #expect(statistics.edgeCount == 9)
    #expect(statistics.duplicateCount == 1)
    #expect(statistics.selfLoopCount == 2)
    #expect(statistics.danglingCount == 1)
    #expect(graph.externalIDs == [1, 2, 3, 4, 5, 6, UInt64.max])
    #expect(pairs(graph) == [[1, 2], [1, 3], [1, 6], [2, 3], [3, 1], [3, 3], [4, 4], [5, 1], [UInt64.max, 1]])
}

@Test(arguments: ["tiny.txt.gz", "tiny-concat.txt.gz", "tiny.csv", "tiny.csv.gz"])
func compressedAndCSVVariantsEqualPlainText(name: String) throws {
    let plain = try EdgeListReader.read(try ingestFixture("tiny.txt"))
    let other = try EdgeListReader.read(try ingestFixture(name))
    #expect(other.statistics == plain.statistics)
    #expect(pairs(other.graph) == pairs(plain.graph))
}

@Test(arguments: [1, 3, 64])
func smallReadChunksGiveTheSameGraph(chunkBytes: Int) throws {
    for name in ["tiny.txt", "tiny.txt.gz", "tiny-concat.txt.gz"] {
        let path = try ingestFixture(name)
        let small = try EdgeListReader.read(path, chunkBytes: chunkBytes)
        #expect(pairs(small.graph) == pairs(try EdgeListReader.read(path).graph))
    }
}

@Test func gzipIsDetectedByMagicWithoutSuffix() throws {
    try withTemporaryDirectory { dir in
        let path = dir + "/edges.txt"
        try writeBytes(try readBytes(try ingestFixture("tiny.txt.gz")), to: path)
        #expect(try EdgeListReader.read(path).statistics.edgeCount == 9)
    }
}

@Test func formatFollowsExtension() {
    #expect(EdgeListReader.format(forPath: "a/b.csv") == .csv)
    #expect(EdgeListReader.format(forPath: "b.CSV.gz") == .csv)
    #expect(EdgeListReader.format(forPath: "b.txt.gz") == .snap)
    #expect(EdgeListReader.format(forPath: "edges") == .snap)
}

@Test func undirectedOptionAddsReverseEdges() throws {
    let (graph, statistics) = try EdgeListReader.read(try ingestFixture("tiny.txt"), undirected: true)
    #expect(statistics.edgeCount == 14)
    #expect(statistics.danglingCount == 0)
    #expect(statistics.selfLoopCount == 2)
    let edges = pairs(graph)
    for pair in edges { #expect(edges.contains([pair[1], pair[0]])) }
}

@Test func emailEuCoreCounts() throws {
    let (graph, statistics) = try EdgeListReader.read(try ingestFixture("email-Eu-core.txt"))
    #expect(statistics.vertexCount == 1005)
    #expect(statistics.edgeCount == 25571)
    #expect(graph.vertexCount == 1005 && graph.edgeCount == 25571)
    try graph.validate()
}

@Test func malformedLineNamesFileAndLine() throws {
    try withTemporaryDirectory { dir in
        let path = dir + "/bad.txt"
        try writeBytes(Array("# c\n1 2\n2 3\n3 -4\n".utf8), to: path)
        #expect {
            try EdgeListReader.read(path)
        } throws: { error in
            "\(error)".hasPrefix("\(path):4: ") && "\(error)".contains("negative target id")
        }
    }
}

@Test func csvProblemsAreReported() throws {
    let noHeader = try ingestFixture("no-header.csv")
    #expect(throws: EdgeListError.missingHeader(file: noHeader, excerpt: "1,2")) { try EdgeListReader.read(noHeader) }
    let badColumn = try ingestFixture("bad-column.csv")
    #expect {
        try EdgeListReader.read(badColumn)
    } throws: { error in
        guard case .malformedLine(let file, 3, let why) = error as? EdgeListError else { return false }
        return file == badColumn && why.contains("target id")
    }
    // A CSV read as SNAP (forced format) fails on its first data line rather than guessing.
    #expect(throws: EdgeListError.self) { try EdgeListReader.read(badColumn, format: .snap) }
}

@Test(arguments: ["truncated.txt.gz", "corrupt-crc.txt.gz", "corrupt-deflate.txt.gz"])
func damagedGzipIsAnErrorNeverAShorterGraph(name: String) throws {
    let path = try ingestFixture(name)
    #expect {
        try EdgeListReader.read(path)
    } throws: { error in
        guard case .compression(let errorPath, let gzipError) = error as? EdgeListReaderError else { return false }
        let text = "\(error)"
        return errorPath == path && text.contains(path)
            && text.contains(name.hasPrefix("truncated") ? "truncated" : "corrupt")
            && gzipError.isTruncation == name.hasPrefix("truncated")
    }
}

@Test func emptyGraphsFailClearly() throws {
    let path = try ingestFixture("comments-only.txt")
    #expect {
        try EdgeListReader.read(path)
    } throws: { error in
        guard case .noEdges(path) = error as? EdgeListReaderError else { return false }
        return "\(error)".contains("no edges")
    }
    try withTemporaryDirectory { dir in
        try writeBytes([], to: dir + "/empty.txt")
        #expect(throws: EdgeListReaderError.self) { try EdgeListReader.read(dir + "/empty.txt") }
        try writeBytes(Array("source,target\n".utf8), to: dir + "/header-only.csv")
        #expect(throws: EdgeListReaderError.self) { try EdgeListReader.read(dir + "/header-only.csv") }
    }
}

@Test func missingFileNamesPath() {
    #expect {
        try EdgeListReader.read("/nonexistent/edges.txt")
    } throws: { error in
        "\(error)".contains("/nonexistent/edges.txt") && "\(error)".contains("No such file")
    }
}

/// The ingest pipeline (read, then write) leaves an existing output untouched and adds no file on failure.
@Test func failedIngestLeavesNothingBehind() throws {
    try withTemporaryDirectory { dir in
        let out = dir + "/graph.pwg"
        let original = Array("existing contents".utf8)
        try writeBytes(original, to: out)
        for name in ["truncated.txt.gz", "corrupt-crc.txt.gz", "no-header.csv", "bad-column.csv", "comments-only.txt"] {
            #expect(throws: (any Error).self, "\(name)") {
                let (graph, _) = try EdgeListReader.read(try ingestFixture(name))
                try GraphFile.write(graph, to: out)
            }
        }
        #expect(try directoryListing(dir) == ["graph.pwg"])
        #expect(try readBytes(out) == original)
    }
}

// MARK: Weighted ingest

/// tiny.csv read with weights, as make-graph-fixtures.py (an independent writer) encodes it.
@Test(arguments: ["tiny.csv", "tiny.csv.gz", "tiny-weighted.txt", "tiny-weighted.txt.gz"])
func weightedIngestRoundTripsThroughTheGraphFile(name: String) throws {
    let ingested = try EdgeListReader.ingest(try ingestFixture(name), options: EdgeListOptions(weighted: true))
    #expect(ingested.graph.weights == [7.5, 1, 1, 2, 1, 1, 1, 1, 1])
    #expect(ingested.statistics.duplicateCount == 1)
    #expect(ingested.ignoredColumns.isEmpty)
    #expect(GraphFileFormat.encode(ingested.graph) == (try readBytes(try ingestFixture("tiny-weighted.pwg"))))
    try withTemporaryDirectory { dir in
        let path = dir + "/w.pwg"
        let checksum = try GraphFile.write(ingested.graph, to: path)
        let loaded = try GraphFile.load(path)
        #expect(loaded.checksum == checksum && loaded.graph.weights == ingested.graph.weights)
        #expect(checksum != GraphFileFormat.graphChecksum(of: try EdgeListReader.read(try ingestFixture(name)).graph))
    }
}

@Test func unweightedIngestOfAWeightedFileIgnoresTheColumnAndKeepsTheChecksum() throws {
    for name in ["tiny.csv", "tiny-weighted.txt.gz"] {
        let ingested = try EdgeListReader.ingest(try ingestFixture(name))
        #expect(ingested.graph.weights == nil)
        #expect(ingested.ignoredColumns == [name.hasSuffix(".csv") ? "column \"weight\"" : "column 3"])
        #expect(GraphFileFormat.encode(ingested.graph) == (try readBytes(try ingestFixture("tiny.pwg"))))
    }
}

@Test func reorderedAndRenamedCSVColumnsGiveTheSameWeightedGraph() throws {
    try withTemporaryDirectory { dir in
        let path = dir + "/edges.csv"
        var text = "Cost,To,From\n"
        for line in try String(contentsOfFile: try ingestFixture("tiny.csv"), encoding: .utf8).split(separator: "\n")
            .dropFirst()
        {
            let fields = line.split(separator: ",")
            text += "\(fields[2]),\(fields[1]),\(fields[0])\n"
        }
        try writeBytes(Array(text.utf8), to: path)
        let options = EdgeListOptions(weighted: true, sourceColumn: "from", targetColumn: "to", weightColumn: "cost")
        let ingested = try EdgeListReader.ingest(path, options: options)
        #expect(GraphFileFormat.encode(ingested.graph) == (try readBytes(try ingestFixture("tiny-weighted.pwg"))))
    }
}

/// Every bad weight fails naming the file and the line, and the ingest pipeline (read, then write)
/// leaves no output file behind.
@Test(arguments: [
    ("e.txt", "1 2 1\n2 3 0\n", "is not positive"),
    ("e.txt", "1 2 1\n2 3 -4\n", "is not positive"),
    ("e.txt", "1 2 1\n2 3 NaN\n", "is NaN"),
    ("e.txt", "1 2 1\n2 3 inf\n", "is infinite"),
    ("e.txt", "1 2 1\n2 3\n", "missing weight"),
    ("e.txt", "1 2 1\n2 3 0x\n", "is not a number"),
    ("e.csv", "src,dst,weight\n2,3,0\n", "is not positive"),
    ("e.csv", "src,dst,weight\n2,3,nan\n", "is NaN"),
    ("e.csv", "src,dst,weight\n2,3,-inf\n", "is infinite"),
    ("e.csv", "src,dst,weight\n2,3\n", "missing weight"),
    ("e.csv", "src,dst,weight\n2,3,seven\n", "is not a number"),
])
func badWeightsFailNamingFileAndLineAndLeaveNothing(name: String, text: String, reason: String) throws {
    try withTemporaryDirectory { dir in
        let path = dir + "/" + name + ".gz"
        try writeBytes(try gzipped(Array(text.utf8)), to: path)
        for input in [path, dir + "/" + name] {
            if input == dir + "/" + name { try writeBytes(Array(text.utf8), to: input) }
            #expect {
                let ingested = try EdgeListReader.ingest(input, options: EdgeListOptions(weighted: true))
                try GraphFile.write(ingested.graph, to: dir + "/out.pwg")
            } throws: { error in
                "\(error)".hasPrefix("\(input):2: invalid edge weight: ") && "\(error)".contains(reason)
            }
        }
        #expect(try directoryListing(dir) == [name, name + ".gz"])
    }
}

/// Gzip of `bytes` by the system's gzip (a test-only helper: the product only inflates).
private func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    try withTemporaryDirectory { dir in
        try writeBytes(bytes, to: dir + "/plain")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -n -c plain > plain.gz"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        try process.run()
        process.waitUntilExit()
        return try readBytes(dir + "/plain.gz")
    }
}
