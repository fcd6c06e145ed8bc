import ArgumentParser
import Foundation
import PPRCore
import PPRService

/// `pwctl ingest`: turns an edge list into a validated binary graph file (DESIGN §3).
///
/// Nothing is written until the whole edge list has parsed and built; the graph file is then
/// written atomically, so a failed run leaves no output behind and never clobbers an existing file.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Convert an edge list (SNAP text, optionally .gz, or CSV) into a binary graph file.",
        discussion: """
            SNAP: one `source target [weight]` line per edge, any whitespace, `#` comments. CSV: a header \
            row naming the columns (source: src or source; target: dst, target or destination; weight: \
            weight), in any order. Vertex ids are unsigned 64-bit integers. With --weights every edge \
            needs a positive finite weight (SNAP: the third column). Duplicate edges collapse to one, \
            summing their weights; self-loops are kept. Columns no edge uses are ignored with a warning.
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

    @Flag(name: .long, help: "Read edge weights (SNAP: the third column; CSV: the weight column).")
    var weights = false

    @Option(name: .long, help: "CSV: the header name of the weight column (default: weight); implies --weights.")
    var weightColumn: String?

    @Option(name: .long, help: "CSV: the header name of the source column (default: src or source).")
    var srcColumn: String?

    @Option(name: .long, help: "CSV: the header name of the target column (default: dst, target or destination).")
    var dstColumn: String?

    @Flag(name: .long, help: "Print one JSON object instead of text lines.")
    var json = false

    /// The column options as the parser takes them.
    var options: EdgeListOptions {
        EdgeListOptions(
            weighted: weights || weightColumn != nil, sourceColumn: srcColumn, targetColumn: dstColumn,
            weightColumn: weightColumn)
    }

    func validate() throws {
        for (flag, name) in [
            ("--weight-column", weightColumn), ("--src-column", srcColumn), ("--dst-column", dstColumn),
        ] {
            if let name, name.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("\(flag) must name a column")
            }
        }
        if let format, EdgeListFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be 'snap' or 'csv', not '\(format)'")
        }
        if out.isEmpty { throw ValidationError("--out must name a file") }
    }

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let chosenFormat = format.flatMap { EdgeListFormat(rawValue: $0.lowercased()) }
        let options = self.options
        if (chosenFormat ?? LocalGraph.format(forPath: edges)) == .snap, options.namesColumns {
            throw ValidationError(
                "--src-column, --dst-column and --weight-column name CSV header columns; \(edges) is read as SNAP")
        }
        let ingested = try LocalGraph.ingest(
            edges, format: chosenFormat, options: options, undirected: undirected, writingTo: out
        ) {
            // The parent directory is created only now, after the edge list parsed, so a failed run creates nothing.
            let parent = URL(fileURLWithPath: out).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        }
        let (graph, statistics, checksum) = (ingested.graph, ingested.statistics, ingested.checksum)
        if let warning = Self.ignoredColumnsWarning(ingested.ignoredColumns, file: edges, weighted: options.weighted) {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
        let elapsed = clock.now - start
        let report = IngestReport(
            vertices: statistics.vertexCount, edges: statistics.edgeCount, dangling: statistics.danglingCount,
            selfLoops: statistics.selfLoopCount, duplicates: statistics.duplicateCount, weighted: graph.isWeighted,
            checksum: GraphFileFormat.hex(checksum), output: out,
            seconds: (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18))
        print(json ? try report.json() : report.text())
    }

    /// The one warning line for input columns no edge used, or nil when there are none.
    static func ignoredColumnsWarning(_ columns: [String], file: String, weighted: Bool) -> String? {
        guard !columns.isEmpty else { return nil }
        let hint = weighted ? "" : " (pass --weights to read edge weights)"
        return "warning: \(file): ignoring \(columns.joined(separator: ", "))\(hint)"
    }
}

/// What `pwctl ingest` reports, as text lines or JSON.
struct IngestReport: Codable, Equatable {
    var vertices: Int
    var edges: Int
    var dangling: Int
    var selfLoops: Int
    var duplicates: Int
    /// Whether the graph carries edge weights (walks follow them).
    var weighted: Bool
    var checksum: String
    var output: String
    var seconds: Double

    /// Fixed-width `Label: value` lines.
    func text() -> String {
        let rows: [(String, String)] = [
            ("Vertices", "\(vertices)"), ("Edges", "\(edges)"), ("Dangling", "\(dangling)"),
            ("Self-loops", "\(selfLoops)"), ("Duplicates", "\(duplicates)"), ("Weighted", weighted ? "yes" : "no"),
            ("Checksum", checksum),
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
