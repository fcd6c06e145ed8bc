// Weighted graphs as a user meets them: `pwctl ingest --weights` reads the weight column and says the graph
// is weighted; without --weights an extra column gets one warning line; a bad weight names file and line
// and leaves nothing behind; the cluster's status says the graph is weighted; a local store built on the
// unweighted graph is refused for the weighted one, saying so.
import Foundation
import Testing

extension EndToEnd {
    @Suite("weighted ingest")
    struct WeightedIngestTests {
        /// Weighted edges with a duplicate (1→2: 0.5 + 1.5), a self-loop and a dangling vertex (6).
        static let edgesCSV = "dst,weight,src\n2,0.5,1\n3,1,1\n3,2,2\n1,1,3\n3,1,3\n2,1.5,1\n1,4,5\n6,1,5\n"

        struct Report: Decodable {
            var vertices: Int
            var edges: Int
            var duplicates: Int
            var weighted: Bool
            var checksum: String
        }

        @Test("--weights reads the weight column; without it the column is ignored with one warning line")
        func weightedAndUnweightedIngest() async throws {
            let scratch = try ScratchDirectory("ingest-weighted")
            defer { scratch.remove() }
            let edges = scratch.path("edges.csv")
            try Self.edgesCSV.write(toFile: edges, atomically: true, encoding: .utf8)

            let weighted = try await Pwctl.run(["ingest", edges, "--out", scratch.path("w.pwg"), "--weights", "--json"])
            #expect(weighted.succeeded && weighted.stderr.isEmpty, "\(weighted)")
            let w = try Pwctl.decode(Report.self, from: weighted.stdout)
            #expect(w.weighted && w.vertices == 5 && w.edges == 7 && w.duplicates == 1)

            let plain = try await Pwctl.run(["ingest", edges, "--out", scratch.path("u.pwg")])
            #expect(plain.succeeded, "\(plain)")
            let warnings = plain.stderr.split(separator: "\n")
            #expect(
                warnings == ["warning: \(edges): ignoring column \"weight\" (pass --weights to read edge weights)"],
                "\(plain)")
            #expect(plain.stdout.contains("Weighted:   no"), "\(plain)")
            let u = try Pwctl.decode(
                Report.self, from: try await Pwctl.output(["ingest", edges, "--out", scratch.path("u.pwg"), "--json"]))
            #expect(!u.weighted && u.checksum != w.checksum && u.edges == 7)
            let text = try await Pwctl.output(["ingest", edges, "--out", scratch.path("w.pwg"), "--weights"])
            #expect(text.contains("Weighted:   yes") && text.contains("Checksum:   \(w.checksum)"), "\(text)")
        }

        @Test("a bad weight fails naming the file and line, and leaves nothing behind")
        func badWeightFails() async throws {
            let scratch = try ScratchDirectory("ingest-bad-weight")
            defer { scratch.remove() }
            let cases = [
                ("e.txt", "0 1 1\n1 2 0\n", "is not positive"), ("e.txt", "0 1 1\n1 2\n", "missing weight"),
                ("e.csv", "src,dst,weight\n0,1,nan\n", "is NaN"), ("e.csv", "src,dst,weight\n0,1,inf\n", "is infinite"),
                ("e.csv", "src,dst,weight\n0,1,heavy\n", "is not a number"),
            ]
            for (name, text, reason) in cases {
                let edges = scratch.path(name)
                try text.write(toFile: edges, atomically: true, encoding: .utf8)
                let out = scratch.path("out/graph.pwg")
                let result = try await Pwctl.run(["ingest", edges, "--out", out, "--weights"])
                #expect(!result.succeeded && !result.signalled, "\(result)")
                #expect(result.stderr.contains("\(edges):2: invalid edge weight: "), "\(result)")
                #expect(result.stderr.contains(reason), "\(result)")
                #expect(result.stdout.isEmpty)
                let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
                #expect(left == [name], "left behind: \(left)")
                try FileManager.default.removeItem(atPath: edges)
            }
        }

        @Test("an unrecognisable CSV header is an error naming it; column options are CSV-only")
        func headerErrors() async throws {
            let scratch = try ScratchDirectory("ingest-header")
            defer { scratch.remove() }
            let csv = scratch.path("e.csv")
            try "from,to\n1,2\n".write(toFile: csv, atomically: true, encoding: .utf8)
            let unnamed = try await Pwctl.run(["ingest", csv, "--out", scratch.path("g.pwg")])
            #expect(!unnamed.succeeded && unnamed.stderr.contains("\(csv):1: CSV header \"from,to\""), "\(unnamed)")
            let chosen = try await Pwctl.run(
                ["ingest", csv, "--out", scratch.path("g.pwg"), "--src-column", "from", "--dst-column", "to", "--json"])
            #expect(chosen.succeeded, "\(chosen)")
            let snap = scratch.path("e.txt")
            try "1 2\n".write(toFile: snap, atomically: true, encoding: .utf8)
            let misused = try await Pwctl.run(["ingest", snap, "--out", scratch.path("h.pwg"), "--src-column", "a"])
            #expect(misused.status == 64 && misused.stderr.contains("SNAP"), "\(misused)")
        }

        @Test("status says the cluster's graph is weighted")
        func statusSaysWeighted() async throws {
            let scratch = try ScratchDirectory("weighted-cluster")
            defer { scratch.remove() }
            let edges = scratch.path("edges.csv")
            try Self.edgesCSV.write(toFile: edges, atomically: true, encoding: .utf8)
            let graph = scratch.path("graph.pwg")
            _ = try await Pwctl.output(["ingest", edges, "--out", graph, "--weights"])
            let cluster = try ClusterProcess(scratch: scratch, graph: graph, shards: 2, combineMillis: 2_000)
            defer { cluster.killAll() }
            try await cluster.start()
            struct Status: Decodable {
                struct Graph: Decodable { var weighted: Bool }
                var graph: Graph
            }
            let json = try await cluster.pwctl(["status", "--json"])
            #expect(try Pwctl.decode(Status.self, from: json.stdout).graph.weighted, "\(json)")
            let text = try await cluster.pwctl(["status"])
            #expect(text.stdout.contains("Weighted:      yes"), "\(text)")
            try await cluster.stop()
        }

        @Test("a cluster whose index was built on the unweighted graph refuses queries on the weighted one, saying so")
        func clusterIndexOfTheUnweightedGraphIsRefused() async throws {
            let scratch = try ScratchDirectory("weighted-reingest")
            defer { scratch.remove() }
            let edges = scratch.path("edges.csv")
            try Self.edgesCSV.write(toFile: edges, atomically: true, encoding: .utf8)
            let graph = scratch.path("graph.pwg")
            _ = try await Pwctl.output(["ingest", edges, "--out", graph])
            let cluster = try ClusterProcess(scratch: scratch, graph: graph, shards: 2, combineMillis: 2_000)
            defer { cluster.killAll() }
            try await cluster.start()
            _ = try await cluster.indexJob()
            _ = try await cluster.pwctlOutput(["query", "--source", "1"])
            try await cluster.stop()
            // The operator re-ingests the same edges with weights over the served graph file and restarts.
            _ = try await Pwctl.output(["ingest", edges, "--out", graph, "--weights"])
            try await cluster.start()
            let refused = try await cluster.pwctl(["query", "--source", "1"])
            #expect(!refused.succeeded && !refused.signalled, "\(refused)")
            #expect(refused.stderr.contains("was built for an unweighted graph"), "\(refused)")
            #expect(refused.stderr.contains("but the graph is weighted"), "\(refused)")
            let status = try await cluster.pwctl(["status"])
            #expect(status.stdout.contains("Weighted:      yes"), "\(status)")
            try await cluster.stop()
        }

        @Test("a local store built on the unweighted graph is refused for the weighted one, saying so")
        func storeOfTheUnweightedGraphIsRefused() async throws {
            let scratch = try ScratchDirectory("weighted-store")
            defer { scratch.remove() }
            let edges = scratch.path("edges.csv")
            try Self.edgesCSV.write(toFile: edges, atomically: true, encoding: .utf8)
            let (unweighted, weighted, store) = (scratch.path("u.pwg"), scratch.path("w.pwg"), scratch.path("store"))
            _ = try await Pwctl.output(["ingest", edges, "--out", unweighted])
            _ = try await Pwctl.output(["ingest", edges, "--out", weighted, "--weights"])
            _ = try await Pwctl.output(["index", "--graph", unweighted, "--store", store] + Pwctl.walkArguments)
            _ = try await Pwctl.output(["query", "--graph", unweighted, "--store", store, "--source", "1"])
            let refused = try await Pwctl.run(["query", "--graph", weighted, "--store", store, "--source", "1"])
            #expect(!refused.succeeded && !refused.signalled, "\(refused)")
            #expect(refused.stderr.contains("was built for an unweighted graph"), "\(refused)")
            #expect(refused.stderr.contains("but the graph is weighted"), "\(refused)")
        }
    }
}
