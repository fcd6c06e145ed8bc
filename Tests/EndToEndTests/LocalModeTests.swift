// `powerwalkd local`: coordinator and shards in one process. It is indexed and queried through pwctl
// like a cluster (answers equal the in-process engine's) and exits 0 on SIGTERM.
import Foundation
import PPRCore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEnd {
    @Suite("powerwalkd local")
    struct LocalModeTests {
        @Test("index and query through powerwalkd local, then SIGTERM exits 0")
        func indexQueryAndStop() async throws {
            let scratch = try ScratchDirectory("local")
            defer { scratch.remove() }
            let graph = try await Pwctl.ingestFixture(into: scratch)
            let url = try FreePort.urls(1)[0]
            let daemon = try await ChildProcess.local(graph: graph, dataDirectory: scratch.path("data"), listen: url)
            defer { daemon.send(SIGKILL) }

            let indexed = try Pwctl.decode(
                JobJSON.self,
                from: try await Pwctl.output(["index", "--wait", "--json"] + Pwctl.walkArguments, coordinator: url))
            #expect(indexed.state == "succeeded", "\(indexed)")

            let store = scratch.path("local-store")
            _ = try await Pwctl.output(["index", "--graph", graph, "--store", store] + Pwctl.walkArguments)
            let sources = ["--source", "0", "--source", "42:3"]
            let wire = try Pwctl.decode(
                QueryJSON.self,
                from: try await Pwctl.output(["query", "--top", "10", "--json"] + sources, coordinator: url))
            #expect(wire.results.count == 10)
            let local = try await Pwctl.query(sources + ["--graph", graph, "--store", store])
            expectSameAnswer(wire.results, local.results)
            // An explicit PPR-equation step count (not the preset's): the same steps after the coordinator's
            // merge as in process.
            let steps = ["--smoothing-steps", "\(AccuracyPreset.default.smoothingSteps + 1)"]
            let wireStepped = try Pwctl.decode(
                QueryJSON.self,
                from: try await Pwctl.output(["query", "--top", "10", "--json"] + sources + steps, coordinator: url))
            let localStepped = try await Pwctl.query(sources + steps + ["--graph", graph, "--store", store])
            expectSameAnswer(wireStepped.results, localStepped.results)
            #expect(wireStepped.results.count == 10 && wireStepped.results.map(\.score) != wire.results.map(\.score))
            // One step and the refinement of the top 50: the same refined scores after the merge as in process.
            let refined = ["--smoothing-steps", "1", "--refine", "50"]
            let wireRefined = try Pwctl.decode(
                QueryJSON.self,
                from: try await Pwctl.output(["query", "--top", "10", "--json"] + sources + refined, coordinator: url))
            let localRefined = try await Pwctl.query(sources + refined + ["--graph", graph, "--store", store])
            expectSameAnswer(wireRefined.results, localRefined.results)

            daemon.send(SIGTERM)
            let stopped = try await daemon.waitForExit(timeout: ClusterProcess.daemonTimeout)
            #expect(stopped.succeeded, "powerwalkd local did not exit 0 on SIGTERM: \(stopped)")
        }
    }
}
