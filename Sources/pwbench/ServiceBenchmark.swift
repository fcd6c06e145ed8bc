import ArgumentParser
import Foundation
import PPRCore
import PPRService
import PPRWire

/// `pwbench service EDGES`: the distributed service's figures (issue 3 item 9), measured through the front.
///
/// Steps: ingest; start the all-in-one cluster IN PROCESS (`LocalCluster`: a coordinator serving clients on
/// loopback tcp://, N shards on inproc:// (or, `--shard-transport ipc`, ipc://) dialled through NNG as in a
/// cluster); an index job submitted and polled through the front; single-query latency with 1 client and
/// with `--clients` concurrent clients; a batch-query job over `--batch-sources` sources; the same sources as inline
/// BatchQuery requests of `--chunk` queries. Sources are drawn with `WalkSeed(globalSeed: --seed)` as in
/// `pwbench engine`. The load average is printed before and after: the machine may be shared.
struct ServiceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service", abstract: "Index, query latency and batch throughput through the coordinator front.")

    @Argument(help: "Edge list (SNAP text, optionally .gz), e.g. ../shared/data/soc-Slashdot0902.txt.gz")
    var edges: String

    @Option(help: "Shards of the all-in-one cluster.") var shards = 2
    @Option(help: "Walks per vertex (R).") var walks = WalkParameters.defaultWalksPerVertex
    @Option(help: "Seed for the walks and the sampled sources.") var seed: UInt64 = 1
    @Option(help: "Walk threads per index task (0 = all cores).") var threads = 0
    @Option(help: "Queries timed for latency (1 client, then the concurrent clients).") var queries = 1_000
    @Option(help: "Concurrent clients, each with its own connection.") var clients = 8
    @Option(name: .customLong("batch-sources"), help: "Sources of the batch-query job.") var batchSources = 10_000
    @Option(help: "Queries per inline BatchQuery request (0 = skip the inline path).") var chunk = 256
    @Option(name: .customLong("top-k"), help: "k of every query.") var topK = 10
    @Option(name: .customLong("export-top"), help: "K of the export job (0 = skip the export).") var exportTop = 32
    @Option(name: .customLong("export-rows"), help: "Rows of the export (0 = every vertex).") var exportRows = 0
    @Option(help: "NNG URL of the front (port 0 = any free port).") var listen = "tcp://127.0.0.1:0"
    @Option(name: .customLong("combine-deadline-ms"), help: "Coordinator -> shard combine deadline.")
    var combineDeadline = Deadlines().combineMillis
    @Option(
        name: .customLong("query-helpers"),
        help: "Helper threads one query may borrow from idle cores (coordinator.queryHelpers; 0 = none).")
    var queryHelpers = CoordinatorConfig().queryHelpers
    @Option(
        name: .customLong("step-helpers"),
        help: "When the coordinator's PPR-equation steps take their helpers: idle or always (coordinator.stepHelpers).")
    var stepHelpers = CoordinatorConfig().stepHelpers.rawValue
    @Option(
        name: .customLong("reply-precision"),
        help: "How workers send dense partial sums: double or float (coordinator.replyPrecision).")
    var replyPrecision = CoordinatorConfig().replyPrecision.rawValue
    @Option(
        name: .customLong("shard-transport"),
        help: "How the shards and the coordinator talk: inproc or ipc (as `powerwalkd local --shard-transport`).")
    var shardTransport = ShardTransport.inproc.rawValue

    func validate() throws {
        guard shards >= 1 else { throw ValidationError("--shards: \(shards) must be >= 1") }
        guard walks >= 1 else { throw ValidationError("--walks: \(walks) must be >= 1") }
        guard threads >= 0 else { throw ValidationError("--threads: \(threads) must be >= 0") }
        guard queries >= 1 else { throw ValidationError("--queries: \(queries) must be >= 1") }
        guard clients >= 1 else { throw ValidationError("--clients: \(clients) must be >= 1") }
        guard batchSources >= 1 else { throw ValidationError("--batch-sources: \(batchSources) must be >= 1") }
        guard chunk >= 0 else { throw ValidationError("--chunk: \(chunk) must be >= 0") }
        guard topK >= 1 else { throw ValidationError("--top-k: \(topK) must be >= 1") }
        guard exportTop >= 0 else { throw ValidationError("--export-top: \(exportTop) must be >= 0") }
        guard exportRows >= 0 else { throw ValidationError("--export-rows: \(exportRows) must be >= 0") }
        guard queryHelpers >= 0 else { throw ValidationError("--query-helpers: \(queryHelpers) must be >= 0") }
        guard StepHelperPolicy(rawValue: stepHelpers) != nil else {
            throw ValidationError("--step-helpers: \(stepHelpers) must be one of \(StepHelperPolicy.names)")
        }
        guard ReplyPrecision(rawValue: replyPrecision) != nil else {
            throw ValidationError("--reply-precision: \(replyPrecision) must be one of \(ReplyPrecision.names)")
        }
        do { _ = try ShardTransport(named: shardTransport) } catch { throw ValidationError(error.description) }
        guard combineDeadline >= 1 else {
            throw ValidationError("--combine-deadline-ms: \(combineDeadline) must be >= 1")
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pwbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ContinuousClock()
        row("Graph", edges)
        row(
            "Knobs",
            "shards \(shards), R \(walks), seed \(seed), threads \(threads), queries \(queries), "
                + "clients \(clients), batch \(batchSources), chunk \(chunk), k \(topK), "
                + "combine deadline \(combineDeadline) ms, query helpers \(queryHelpers), step helpers \(stepHelpers), "
                + "reply precision \(replyPrecision), shard transport \(shardTransport), "
                + "server eps/T defaults")
        row("Load before", loadAverage())

        let ingestStart = clock.now
        let graphPath = directory.appendingPathComponent("graph.pwg").path
        let ingested = try LocalGraph.ingest(edges, writingTo: graphPath)
        let (built, statistics) = (ingested.graph, ingested.statistics)
        row("Ingest", "\(seconds(clock.now - ingestStart)) s")
        row("Vertices", "\(statistics.vertexCount)")
        row("Edges", "\(statistics.edgeCount)")

        var config = try ServiceConfig.local(
            graph: graphPath, dataDirectory: directory.appendingPathComponent("cluster").path, shardCount: shards,
            listen: listen, threads: threads, shardTransport: ShardTransport(named: shardTransport))
        config.deadlines.combineMillis = combineDeadline
        config.coordinator.queryHelpers = queryHelpers
        config.coordinator.stepHelpers = StepHelperPolicy(rawValue: stepHelpers) ?? .idle
        config.coordinator.replyPrecision = ReplyPrecision(rawValue: replyPrecision) ?? .double
        let startup = clock.now
        let cluster = try await LocalCluster(config: config)
        row("Cluster start", "\(seconds(clock.now - startup)) s (in process, front \(cluster.url))")
        do {
            try await measure(cluster: cluster, graph: built, directory: directory)
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
        row("Load after", loadAverage())
    }

    /// Everything timed through the front of a running cluster, on one connection (plus the concurrent ones).
    private func measure(cluster: LocalCluster, graph: CSRGraph, directory: URL) async throws {
        let client = try CoordinatorClient(connectingTo: cluster.url, deadline: .seconds(60))
        defer { client.close() }
        do {
            try await measure(cluster: cluster, graph: graph, directory: directory, client: client)
        } catch {
            row("Failed", "\(error)")  // now: closing after a failure has been seen to hang in nng_close
            throw error
        }
    }

    private func measure(
        cluster: LocalCluster, graph: CSRGraph, directory: URL, client: CoordinatorClient
    ) async throws {
        let clock = ContinuousClock()

        let indexStart = clock.now
        let indexed = try await client.run(.index(IndexJobParams(walksPerVertex: walks, seed: seed)))
        let indexWall = clock.now - indexStart
        row(
            "Index job",
            "\(seconds(indexWall)) s (job \(seconds(jobDuration(indexed))) s), "
                + "version \(indexed.result?.indexVersion ?? 0), \(rate(graph.vertexCount, indexWall)) vertices/s")

        var sampler = WalkSeed(globalSeed: seed, vertex: 0)
        let n = UInt64(graph.vertexCount)
        let draw = { (count: Int) in (0..<count).map { _ in graph.id(of: VertexIndex(sampler.next() % n)) } }
        let probes = ServiceProbes(url: cluster.url, topK: topK)
        _ = try await probes.sequential(draw(min(20, queries)), client: client)  // warm-up: pages, connections

        let lentBefore = IdleCores.process.helpersLent
        QueryPhases.process.reset()
        let single = try await probes.sequential(draw(queries), client: client)
        let singlePhases = QueryPhases.process.medians()
        let lentSingle = IdleCores.process.helpersLent - lentBefore
        let (singleClient, singleServer) = single.summary()
        row("1 client", singleClient)
        row("1 client server", singleServer)
        let trips = try await probes.roundTrips(1000, job: indexed.id, client: client)
        row(
            "Round trip",
            "p50 \(fixed(LatencySamples.percentile(trips, 50), 3)) ms, p99 "
                + "\(fixed(LatencySamples.percentile(trips, 99), 3)) ms (1000 job lookups, 1 client)")
        row("1 client q/s", rate(queries, .milliseconds(single.client.reduce(0, +))))
        row("1 client helpers", "\(lentSingle) expand/combine steps got a helper thread (\(queries) queries)")
        row("1 client phases", phaseMedians(singlePhases))
        // The one-at-a-time baseline of the speed-ups below: mean client time of one query.
        let baseline = single.client.reduce(0, +) / Double(queries)
        row("Fingerprints", "\(single.fingerprints / queries) per query (mean)")

        let lentMany = IdleCores.process.helpersLent
        QueryPhases.process.reset()
        let (many, wall) = try await probes.concurrent(draw(queries), clients: clients)
        let manyPhases = QueryPhases.process.medians()
        let (manyClient, manyServer) = many.summary()
        row("\(clients) clients", manyClient)
        row("\(clients) clients server", manyServer)
        row("\(clients) clients q/s", "\(rate(queries, wall)) (\(queries) queries in \(seconds(wall)) s)")
        row("\(clients) clients helpers", "\(IdleCores.process.helpersLent - lentMany) steps got a helper thread")
        row("\(clients) clients phases", phaseMedians(manyPhases))

        let sources = draw(batchSources)
        // Inside the cluster's job directory (`ServiceConfig.local`: DATA-DIR/jobs), the only place jobs use.
        let jobs = directory.appendingPathComponent("cluster/jobs")
        let input = jobs.appendingPathComponent("batch-input.txt").path
        let output = jobs.appendingPathComponent("batch-output.jsonl").path
        // The two batch paths report a failure and go on: each says something about the service.
        do {
            let job = try await probes.batchJob(sources, input: input, output: output, client: client)
            row(
                "Batch job",
                "\(seconds(job.wall)) s (job \(seconds(job.job)) s), "
                    + "\(rate(batchSources, job.wall)) sources/s, \(batchSources) lines, \(job.errors) errors")
            row("Batch speed-up", speedUp(baseline: baseline, count: batchSources, wall: job.wall))
        } catch {
            row("Batch job", "FAILED: \(error)")
        }
        if chunk > 0 {
            do {
                let inline = try await probes.inlineBatches(sources, chunk: chunk, client: client)
                row(
                    "Inline batches",
                    "\(seconds(inline.wall)) s (server \(seconds(inline.server)) s), "
                        + "\(rate(batchSources, inline.wall)) sources/s, \(chunk) per request")
                row("Inline speed-up", speedUp(baseline: baseline, count: batchSources, wall: inline.wall))
            } catch {
                row("Inline batches", "FAILED (\(chunk) per request): \(error)")
            }
        }
        if exportTop > 0 {
            do {
                let rows = exportRows == 0 ? graph.vertexCount : min(exportRows, graph.vertexCount)
                // Named relative to the job directory, as `pwctl export` sends them.
                var sourcesPath = ""
                if rows < graph.vertexCount {
                    sourcesPath = "export-sources.txt"
                    try draw(rows).map { "\($0.rawValue)\n" }.joined().write(
                        toFile: jobs.appendingPathComponent(sourcesPath).path, atomically: true, encoding: .utf8)
                }
                let out = "export"
                let start = ContinuousClock.now
                let record = try await client.run(
                    .export(ExportJobParams(outputPath: out, topK: exportTop, sourcesPath: sourcesPath)))
                let wall = ContinuousClock.now - start
                let entries = record.result?.exportEntries ?? 0
                row(
                    "Export job",
                    "\(seconds(wall)) s (job \(seconds(jobDuration(record))) s), \(rows) rows, K \(exportTop), "
                        + "\(entries) entries, \(rate(rows, wall)) rows/s")
                row("Export speed-up", speedUp(baseline: baseline, count: rows, wall: wall))
            } catch {
                row("Export job", "FAILED: \(error)")
            }
        }
    }
}

/// "expand 2.900 ms, shards 4.100 ms, ...": the median of each step (`QueryPhases`), milliseconds.
func phaseMedians(_ medians: [(phase: QueryPhases.Phase, median: Duration, count: Int)]) -> String {
    medians.map { "\($0.phase) \(fixed(milliseconds($0.median), 3))" }.joined(separator: ", ") + " ms (medians)"
}

/// "N× the one-at-a-time time per source (X ms vs Y ms)".
func speedUp(baseline: Double, count: Int, wall: Duration) -> String {
    let perSource = milliseconds(wall) / Double(max(1, count))
    return
        "\(fixed(baseline / perSource, 1))x per source (\(fixed(perSource, 3)) ms vs \(fixed(baseline, 3)) ms one at a time)"
}

/// Prints `label: value` at once (a run takes minutes), labels padded to one width as EngineBenchmark does.
func row(_ label: String, _ value: String) {
    let line = (label + ":").padding(toLength: 22, withPad: " ", startingAt: 0) + value + "\n"
    FileHandle.standardOutput.write(Data(line.utf8))  // unbuffered: rows show up while the run goes on
}

/// `count / duration` per second, one decimal.
func rate(_ count: Int, _ duration: Duration) -> String { fixed(Double(count) / (milliseconds(duration) / 1000), 1) }

/// The first three fields of /proc/loadavg (1, 5, 15 min), or "n/a" where there is none.
func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "n/a" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}
