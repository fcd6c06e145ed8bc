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
