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
