import ArgumentParser
import Foundation
import PPRCore

/// `pwbench generate`: a Graph500-style Kronecker (R-MAT) edge list, for scale runs (issue 7 item 4).
///
/// Each of `edgeFactor * 2^scale` directed edges picks one quadrant per bit of the vertex ids, with
/// Graph500's initiator probabilities A = 0.57, B = 0.19, C = 0.19 (D = 0.05); vertex labels are then
/// permuted (a seeded Fisher-Yates shuffle, as Graph500 does, so the hubs are not the small ids). The
/// output is SNAP text (`src<TAB>dst` per line, a `#` header). Deterministic: the same scale, edge
/// factor and seed give the same bytes (one SplitMix64 stream, `WalkSeed`). Self-loops and duplicate
/// edges are kept, as in Graph500; ingest keeps them too.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a Graph500 R-MAT edge list (SNAP text).")

    /// Graph500's initiator probabilities.
    static let (a, b, c) = RMATGenerator.graph500

    @Option(help: "log2 of the vertex count (1 ... 30).") var scale: Int
    @Option(name: .customLong("edge-factor"), help: "Edges per vertex.") var edgeFactor = 16
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Option(help: "Output file.") var out: String

    func validate() throws {
        guard (1...30).contains(scale) else { throw ValidationError("--scale: \(scale) must be in 1 ... 30") }
        guard (1...1024).contains(edgeFactor) else {
            throw ValidationError("--edge-factor: \(edgeFactor) must be in 1 ... 1024")
        }
        guard !out.isEmpty else { throw ValidationError("--out must name a file") }
    }

    func run() throws {
        let started = ContinuousClock.now
        let edges = try Self.write(scale: scale, edgeFactor: edgeFactor, seed: seed, to: out)
        row(
            "Generated",
            "\(edges) edges, \(1 << scale) vertex ids, in \(seconds(ContinuousClock.now - started)) s -> \(out)")
    }

    /// Writes the edge list; returns the edge count.
    static func write(scale: Int, edgeFactor: Int, seed: UInt64, to path: String) throws -> Int {
        let generator = RMATGenerator(scale: scale, edgeFactor: edgeFactor, seed: seed)
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ValidationError("--out \(path): cannot create the file")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        buffer += Array("# R-MAT scale \(scale) edge factor \(edgeFactor) seed \(seed) (A=\(a) B=\(b) C=\(c))\n".utf8)
        try generator.forEachEdge { source, target in
            appendDecimal(source, to: &buffer)
            buffer.append(0x09)
            appendDecimal(target, to: &buffer)
            buffer.append(0x0A)
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
        return generator.edgeCount
    }

    private static func appendDecimal(_ value: UInt32, to buffer: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(48 + v % 10)
                v /= 10
                count += 1
            } while v > 0
            for i in stride(from: count - 1, through: 0, by: -1) { buffer.append(raw[i]) }
        }
    }
}
