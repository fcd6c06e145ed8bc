import Foundation
import Gzip
import Testing

/// Decompresses `compressed` fed `inputChunk` bytes at a time, with output pieces of `outputChunk`.
private func gunzip(_ compressed: [UInt8], inputChunk: Int = 1 << 20, outputChunk: Int = 1 << 20) throws -> [UInt8] {
    let decompressor = try GzipDecompressor(outputChunkBytes: outputChunk)
    var output: [UInt8] = []
    var start = 0
    while start < compressed.count {
        let end = min(start + inputChunk, compressed.count)
        try decompressor.feed(Array(compressed[start..<end])) { output += $0 }
        start = end
    }
    try decompressor.finish()
    return output
}

@Test(arguments: [(1 << 20, 1 << 20), (1, 1 << 20), (7, 3), (1 << 20, 1), (13, 16)])
func decompressesInAnyChunking(inputChunk: Int, outputChunk: Int) throws {
    let plain = try readBytes(try ingestFixture("tiny.txt"))
    let compressed = try readBytes(try ingestFixture("tiny.txt.gz"))
    #expect(try gunzip(compressed, inputChunk: inputChunk, outputChunk: outputChunk) == plain)
}

@Test(arguments: [1, 5, 1 << 20])
func concatenatedMembersAreAllDecoded(inputChunk: Int) throws {
    let plain = try readBytes(try ingestFixture("tiny.txt"))
    let compressed = try readBytes(try ingestFixture("tiny-concat.txt.gz"))
    #expect(try gunzip(compressed, inputChunk: inputChunk) == plain)
}

@Test func truncatedStreamThrowsOnFinish() throws {
    let compressed = try readBytes(try ingestFixture("truncated.txt.gz"))
    #expect {
        try gunzip(compressed)
    } throws: { error in
        (error as? GzipError)?.isTruncation == true
    }
    // Any cut, down to the bare header, is refused.
    let whole = try readBytes(try ingestFixture("tiny.txt.gz"))
    for count in [whole.count - 1, whole.count - 4, 30, 10, 2] {
        #expect(throws: GzipError.self, "cut at \(count)") { try gunzip(Array(whole[0..<count])) }
    }
}

@Test func corruptDataThrowsDataError() throws {
    for name in ["corrupt-crc.txt.gz", "corrupt-deflate.txt.gz"] {
        let compressed = try readBytes(try ingestFixture(name))
        #expect("\(name)") {
            try gunzip(compressed)
        } throws: { error in
            (error as? GzipError)?.code == .dataError
        }
    }
}

@Test func garbageAfterAMemberIsAnError() throws {
    let compressed = try readBytes(try ingestFixture("tiny.txt.gz"))
    #expect(throws: GzipError.self) { try gunzip(compressed + Array("not gzip".utf8)) }
}

@Test func emptyInputIsAnError() throws {
    let decompressor = try GzipDecompressor()
    #expect(throws: GzipError.self) { try decompressor.finish() }
}

@Test func errorDescriptionNamesOperationAndCode() {
    let error = GzipError(code: .dataError, operation: "inflate", message: "invalid distance too far back")
    #expect(error.description == "inflate failed (Z_DATA_ERROR): invalid distance too far back")
}
