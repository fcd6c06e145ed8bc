import ArgumentParser
import Foundation
import PPRCore
import PPRStorage

/// `pwctl ingest`: turns an edge list into a validated binary graph file (DESIGN §3).
///
/// Nothing is written until the whole edge list has parsed and built; the graph file is then
/// written atomically, so a failed run leaves no output behind and never clobbers an existing file.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Convert an edge list (SNAP text, optionally .gz, or CSV) into a binary graph file.",
        discussion: """
            SNAP: one `source target` pair per line, any whitespace, `#` comments. CSV: a header row, \
            then source and target in the first two columns. Vertex ids are unsigned 64-bit integers. \
            Duplicate edges collapse to one; self-loops are kept.
            """
    )

    @Argument(help: "Edge-list file (.txt, .csv, optionally gzip-compressed).")
    var edges: String

    @Option(name: .long, help: "Graph file to write (replaced atomically).")
    var out: String

    @Option(name: .long, help: "Edge-list format: snap or csv (default: csv for .csv/.csv.gz, else snap).")
    var format: String?

    @Flag(name: .long, help: "Treat every edge as undirected: add both directions.")
    var undirected = false

    @Flag(name: .long, help: "Print one JSON object instead of text lines.")
    var json = false

    func validate() throws {
        if let format, EdgeListFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be 'snap' or 'csv', not '\(format)'")
        }
        if out.isEmpty { throw ValidationError("--out must name a file") }
    }

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let chosenFormat = format.flatMap { EdgeListFormat(rawValue: $0.lowercased()) }
        let (graph, statistics) = try EdgeListReader.read(edges, format: chosenFormat, undirected: undirected)
        // The parent directory is created only now, after the edge list parsed, so a failed run creates nothing.
        let parent = URL(fileURLWithPath: out).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let checksum = try GraphFile.write(graph, to: out)
        let elapsed = clock.now - start
        let report = IngestReport(
            vertices: statistics.vertexCount, edges: statistics.edgeCount, dangling: statistics.danglingCount,
            selfLoops: statistics.selfLoopCount, duplicates: statistics.duplicateCount,
            checksum: GraphFileFormat.hex(checksum), output: out,
            seconds: (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        print(json ? try report.json() : report.text())
    }
}

/// What `pwctl ingest` reports, as text lines or JSON.
struct IngestReport: Codable, Equatable {
    var vertices: Int
    var edges: Int
    var dangling: Int
    var selfLoops: Int
    var duplicates: Int
    var checksum: String
    var output: String
    var seconds: Double

    /// Fixed-width `Label: value` lines.
    func text() -> String {
        let rows: [(String, String)] = [
            ("Vertices", "\(vertices)"), ("Edges", "\(edges)"), ("Dangling", "\(dangling)"),
            ("Self-loops", "\(selfLoops)"), ("Duplicates", "\(duplicates)"), ("Checksum", checksum),
            ("Output", output), ("Seconds", String(format: "%.3f", seconds)),
        ]
        return LabeledLines.format(rows)
    }

    /// One JSON object with the same fields (seconds rounded to milliseconds), keys in snake_case; the old
    /// camelCase keys (`selfLoops`) are printed too, as deprecated aliases, for one release.
    func json() throws -> String {
        var rounded = self
        rounded.seconds = (seconds * 1000).rounded() / 1000
        return try JSONOutput.stringWithCamelCaseAliases(rounded)
    }
}
