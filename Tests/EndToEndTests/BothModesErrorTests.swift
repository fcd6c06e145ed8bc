// The same mistake gives the same code, message and exit status in process (`pwctl query --graph --store`)
// and through a cluster (`powerwalkd local`), issue 9: every bad-input case of the table runs both ways,
// through the built binaries, and the two stderr texts and exit statuses must be equal and as the table
// says (README "Errors and exit statuses").
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEnd {
    @Suite("one error model: in process and through the cluster")
    struct BothModesErrorTests {
        /// One bad query: its pwctl arguments, the exit status and a line stderr must contain.
        struct Case: CustomStringConvertible {
            var name: String
            var arguments: [String]
            var status: Int32
            var stderr: String
            var description: String { name }
        }

        /// Every bad input the issue lists; the email-Eu-core fixture has vertices 0 ... 1004.
        static let cases: [Case] = [
            Case(
                name: "unknown vertex", arguments: ["--source", "999999"], status: 3,
                stderr: "error: NOT_FOUND: source vertex 999999 is not in the graph"),
            Case(
                name: "unknown --exclude id", arguments: ["--source", "0", "--exclude", "999999"], status: 3,
                stderr: "error: NOT_FOUND: excluded vertex 999999 is not in the graph"),
            Case(
                name: "another alpha than the index's", arguments: ["--source", "0", "--alpha", "0.2"], status: 2,
                stderr: "error: INVALID_ARGUMENT: alpha: 0.2 differs from the active index's alpha 0.15"),
            Case(
                name: "alpha out of range", arguments: ["--source", "0", "--alpha", "1.5"], status: 64,
                stderr: "--alpha must be strictly between 0 and 1, not 1.5"),
            Case(
                name: "eps out of range", arguments: ["--source", "0", "--eps", "-1"], status: 64,
                stderr: "--eps must be a finite number >= 0, not -1.0"),
            Case(
                name: "eps not a number", arguments: ["--source", "0", "--eps", "nan"], status: 64,
                stderr: "--eps must be a finite number >= 0, not nan"),
            Case(
                name: "top-k too large", arguments: ["--source", "0", "--top", "2000000"], status: 64,
                stderr: "--top must be at most 1048576, not 2000000"),
            Case(
                name: "top-k zero", arguments: ["--source", "0", "--top", "0"], status: 64,
                stderr: "--top must be at least 1, not 0"),
            Case(
                name: "levels too large", arguments: ["--source", "0", "--max-levels", "5000"], status: 64,
                stderr: "--max-levels must be at most 1024, not 5000"),
            Case(
                name: "empty personalization", arguments: [], status: 64,
                stderr: "--source is required: name at least one vertex"),
            Case(
                name: "zero weight", arguments: ["--source", "0:0"], status: 64,
                stderr: "--source '0:0': the weight must be > 0, not 0.0"),
            Case(
                name: "weights whose sum overflows", arguments: ["--source", "0:1e308", "--source", "1:1e308"],
                status: 2, stderr: "error: INVALID_ARGUMENT: weight: invalid personalization: the sum of the weights"),
            Case(
                name: "unknown accuracy preset", arguments: ["--source", "0", "--accuracy", "medium"], status: 64,
                stderr: "--accuracy must be one of fast, default, high, not 'medium'"),
        ]

        @Test("each bad query: same stderr and exit status in process and through powerwalkd local")
        func badQueriesFailTheSameWayInBothModes() async throws {
            let scratch = try ScratchDirectory("both-modes")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let store = scratch.path("local-store")
            _ = try await Pwctl.output(["index", "--graph", graph, "--store", store] + Pwctl.walkArguments)
            let url = try FreePort.urls(1)[0]
            let daemon = try await ChildProcess.local(graph: graph, dataDirectory: scratch.path("data"), listen: url)
            defer { daemon.send(SIGKILL) }
            let indexed = try Pwctl.decode(
                JobJSON.self,
                from: try await Pwctl.output(["index", "--wait", "--json"] + Pwctl.walkArguments, coordinator: url))
            #expect(indexed.state == "succeeded", "\(indexed)")

            for test in Self.cases {
                let local = try await Pwctl.run(["query"] + test.arguments + ["--graph", graph, "--store", store])
                let cluster = try await Pwctl.run(["query"] + test.arguments, coordinator: url)
                #expect(!local.signalled && local.status == test.status, "\(test) in process: \(local)")
                #expect(local.stderr.contains(test.stderr), "\(test) in process: \(local)")
                #expect(cluster.status == local.status, "\(test) through the cluster: \(cluster)")
                #expect(
                    cluster.stderr == local.stderr, "\(test): cluster\n\(cluster.stderr)\nin process\n\(local.stderr)")
            }
        }
    }
}
