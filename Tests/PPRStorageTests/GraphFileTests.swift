import Foundation
import PPRCore
import PPRStorage
import Testing

private func emailGraph() throws -> CSRGraph {
    try EdgeListReader.read(try ingestFixture("email-Eu-core.txt")).graph
}

@Test func writeThenLoadRoundTrips() throws {
    let graph = try emailGraph()
    try withTemporaryDirectory { dir in
        let path = dir + "/email.pwg"
        let checksum = try GraphFile.write(graph, to: path)
        let loaded = try GraphFile.load(path)
        #expect(loaded.path == path)
        #expect(loaded.checksum == checksum)
        #expect(loaded.checksum == GraphFileFormat.graphChecksum(of: graph))
        #expect(loaded.graph.offsets == graph.offsets)
        #expect(loaded.graph.targets == graph.targets)
        #expect(loaded.graph.externalIDs == graph.externalIDs)
        #expect(try directoryListing(dir) == ["email.pwg"])
    }
}

@Test func writeReplacesAnExistingFileAtomically() throws {
    let tiny = try EdgeListReader.read(try ingestFixture("tiny.txt")).graph
    let email = try emailGraph()
    try withTemporaryDirectory { dir in
        let path = dir + "/g.pwg"
        try GraphFile.write(tiny, to: path)
        try GraphFile.write(email, to: path)
        #expect(try GraphFile.load(path).graph.vertexCount == 1005)
        #expect(try directoryListing(dir) == ["g.pwg"])
    }
}

@Test func failedWritesLeaveNothingBehind() throws {
    let tiny = try EdgeListReader.read(try ingestFixture("tiny.txt")).graph
    try withTemporaryDirectory { dir in
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: false)
        #expect {
            try GraphFile.write(tiny, to: dir + "/taken")
        } throws: { error in
            "\(error)".contains(dir + "/taken")
        }
        #expect {
            try GraphFile.write(tiny, to: dir + "/missing/g.pwg")
        } throws: { error in
            guard case .io(let path, "open", _) = error as? GraphFileError else { return false }
            return path == dir + "/missing/g.pwg"
        }
        #expect(try directoryListing(dir) == ["taken"])
        #expect(try directoryListing(dir + "/taken") == [])
    }
}

@Test func damagedFilesAreRefusedNamingThePath() throws {
    let graph = try EdgeListReader.read(try ingestFixture("tiny.txt")).graph
    let good = GraphFileFormat.encode(graph)
    var flipped = good
    flipped[good.count - 3] ^= 0x40
    var wrongVersion = good
    wrongVersion[8] = 9
    let cases: [(String, [UInt8], String)] = [
        ("flipped.pwg", flipped, "checksum mismatch"),
        ("truncated.pwg", Array(good.dropLast(5)), "truncated"),
        ("magic.pwg", Array("PK\u{3}\u{4}".utf8) + good.dropFirst(4), "not a PowerWalk graph file"),
        ("version.pwg", wrongVersion, "version 9"),
        ("empty.pwg", [], "not a PowerWalk graph file"),
    ]
    try withTemporaryDirectory { dir in
        for (name, bytes, reason) in cases {
            let path = dir + "/" + name
            try writeBytes(bytes, to: path)
            #expect {
                try GraphFile.load(path)
            } throws: { error in
                guard case .damaged(path, _) = error as? GraphFileError else { return false }
                return "\(error)".contains(path) && "\(error)".contains(reason)
            }
        }
    }
}

@Test func missingGraphFileNamesPath() {
    #expect {
        try GraphFile.load("/nonexistent/g.pwg")
    } throws: { error in
        guard case .io("/nonexistent/g.pwg", "open", _) = error as? GraphFileError else { return false }
        return "\(error)".contains("No such file")
    }
}

// MARK: Format versions against files written by an independent implementation (make-graph-fixtures.py)

/// The checksum of tiny.txt's graph file: the value earlier releases wrote, which indexes pin.
private let tinyChecksum: UInt64 = 0xF250_344F_B96E_57C6
/// The checksum of tiny.csv's weighted graph file (duplicates 1→2 of 0.5 and 7 summed to 7.5).
private let tinyWeightedChecksum: UInt64 = 0xE270_08DF_0444_EDA8

@Test func bundledGraphKeepsItsChecksum() throws {
    let bytes = GraphFileFormat.encode(try emailGraph())
    #expect(bytes.count == 118_440 && bytes[8] == 1)
    #expect(GraphFileFormat.graphChecksum(of: try emailGraph()) == 0xDDA3_C936_67A3_1643)
}

@Test func unweightedGraphFileIsUnchangedByteForByte() throws {
    let graph = try EdgeListReader.read(try ingestFixture("tiny.txt")).graph
    let fixture = try readBytes(try ingestFixture("tiny.pwg"))
    #expect(GraphFileFormat.encode(graph) == fixture)
    #expect(GraphFileFormat.graphChecksum(of: graph) == tinyChecksum)
    let loaded = try GraphFile.load(try ingestFixture("tiny.pwg"))
    #expect(loaded.checksum == tinyChecksum && !loaded.graph.isWeighted)
}

@Test func weightedGraphFileLoadsWithItsWeights() throws {
    let path = try ingestFixture("tiny-weighted.pwg")
    let loaded = try GraphFile.load(path)
    #expect(loaded.checksum == tinyWeightedChecksum)
    #expect(loaded.checksum != tinyChecksum)
    // Edges in CSR order: 1→2, 1→3, 1→6, 2→3, 3→1, 3→3, 4→4, 5→1, max→1.
    #expect(loaded.graph.weights == [7.5, 1, 1, 2, 1, 1, 1, 1, 1])
    #expect(GraphFileFormat.encode(loaded.graph) == (try readBytes(path)))
    try withTemporaryDirectory { dir in
        let copy = dir + "/w.pwg"
        #expect(try GraphFile.write(loaded.graph, to: copy) == tinyWeightedChecksum)
        #expect(try GraphFile.load(copy).graph.weights == loaded.graph.weights)
        var cut = try readBytes(path)
        cut.removeLast(12)
        try writeBytes(cut, to: dir + "/cut.pwg")
        #expect {
            try GraphFile.load(dir + "/cut.pwg")
        } throws: { error in
            "\(error)".contains(dir + "/cut.pwg") && "\(error)".contains("weight section")
        }
    }
}
