import ArgumentParser
import PPRCore
import PPRService
import PPRWire
import Testing

@testable import PPRCLI

@Suite struct QueryParsingTests {
    @Test func localQueryTakesEveryFlag() throws {
        let query: QueryCommand = try parse([
            "query", "--graph", "g.pwg", "--store", "fp", "--source", "12", "--source", "40:2.5", "--top", "5",
            "--eps", "0.001", "--max-levels", "3", "--exclude", "7", "9", "--exclude-sources",
            "--exclude-out-neighbors", "--alpha", "0.2", "--smoothing-steps", "3", "--refine", "200", "--json",
        ])
        #expect(query.smoothingSteps == 3)
        #expect(try query.wireRequest().smoothingSteps == 3)
        #expect(try query.wireRequest().refineCandidates == 200)
        #expect(query.isLocal)
        #expect(query.graph == "g.pwg" && query.store == "fp")
        let sources = try query.target.sources()
        #expect(sources.map(\.id) == [12, 40] && sources.map(\.weight) == [1, 2.5])
        #expect(query.target.top == 5 && query.eps == 0.001 && query.maxLevels == 3)
        #expect(query.target.exclude == [7, 9])
        #expect(query.target.excludeSources && query.target.excludeOutNeighbors && query.target.json)
        #expect(query.alpha == 0.2)
    }

    /// Each line of `query --batch` asks what `pwctl query` would ask for that line's sources: every knob of
    /// the command (top, preset, eps, levels, steps, exclusions, alpha) reaches the line's request.
    @Test func batchLinesCarryEveryKnobOfTheCommand() throws {
        let query: QueryCommand = try parse([
            "query", "--batch", "sources.txt", "--top", "5", "--accuracy", "high", "--eps", "0.001", "--max-levels",
            "4",
            "--smoothing-steps", "1", "--exclude", "3", "--exclude-sources", "--exclude-out-neighbors", "--alpha",
            "0.2",
        ])
        let line = try #require(try BatchLines.parse("# comment\r\n7:2 9\r\n", path: "sources.txt").first)
        let runner = ClientBatch(path: "sources.txt", output: nil, round: 10, knobs: query.knobs())
        let expected = QueryRequest(
            sources: [QuerySource(VertexID(7), weight: 2), QuerySource(VertexID(9))], topK: 5, eps: 0.001,
            maxLevels: 4, exclude: [VertexID(3)], excludeSources: true, excludeOutNeighbors: true,
            restartProbability: 0.2, accuracy: "high", smoothingSteps: 1)
        #expect(runner.request(line) == expected)
    }

    @Test func wireQueryBecomesAQueryRequest() throws {
        let query: QueryCommand = try parse([
            "query", "--source", "12", "40:0.5", "--exclude", "3", "--exclude", "4", "--top", "7",
            "--coordinator", "tcp://10.1.2.3:7400", "--timeout-ms", "1500",
        ])
        #expect(!query.isLocal)
        #expect(query.coordinator.url(environment: [:]) == "tcp://10.1.2.3:7400")
        #expect(query.coordinator.deadline == .milliseconds(1500))
        let expected = QueryRequest(
            sources: [QuerySource(VertexID(12)), QuerySource(VertexID(40), weight: 0.5)], topK: 7,
            exclude: [VertexID(3), VertexID(4)])
        #expect(try query.wireRequest() == expected)
    }

    @Test(arguments: ["abc", "12:", "12:0", "12:-1", "12:nan", "12:inf", ":3", "12:3:4", "1.5", "18446744073709551616"])
    func badSourceFormsNameTheArgument(_ source: String) {
        let message = parseFailure(["query", "--source", source])
        #expect(message.contains("--source '\(source)'"), "\(message)")
    }

    @Test func nonPositiveWeightsSayWhy() {
        #expect(parseFailure(["query", "--source", "5:0"]).contains("must be > 0"))
        #expect(parseFailure(["exact", "--graph", "g", "--source", "5:-2"]).contains("must be > 0"))
    }

    @Test func topZeroAndOtherRangesNameTheArgument() {
        #expect(parseFailure(["query", "--source", "1", "--top", "0"]).contains("--top must be at least 1, not 0"))
        #expect(parseFailure(["query", "--source", "1", "--eps", "-1"]).contains("--eps"))
        #expect(parseFailure(["query", "--source", "1", "--max-levels", "-2"]).contains("--max-levels"))
        #expect(parseFailure(["query", "--source", "1", "--alpha", "1"]).contains("--alpha"))
        #expect(parseFailure(["query", "--source", "1", "--timeout-ms", "0"]).contains("--timeout-ms"))
        #expect(parseFailure(["query", "--source", "1", "--exclude", "x"]).contains("--exclude"))
    }

    /// A negative number is the option's value, range-checked (it used to read as a flag: "Missing value").
    @Test func negativeKnobsAreOutOfRangeNotMissing() {
        let cases: [([String], String)] = [
            (["query", "--source", "1", "--eps", "-1"], "--eps must be a finite number >= 0, not -1.0"),
            (["query", "--source", "1", "--top", "-3"], "--top must be at least 1, not -3"),
            (["query", "--source", "1", "--max-levels", "-2"], "--max-levels must be at least 0, not -2"),
            (["query", "--source", "1", "--alpha", "-0.5"], "--alpha must be strictly between 0 and 1, not -0.5"),
            (["batch", "--input", "i", "--output", "o", "--eps", "-1"], "--eps must be a finite number >= 0"),
            (["evaluate", "--max-levels", "-1"], "--max-levels must be at least 0, not -1"),
            (["export", "--output", "d", "--top", "-1"], "--top must be at least 1, not -1"),
        ]
        for (arguments, expected) in cases {
            let message = parseFailure(arguments)
            #expect(message.contains(expected) && !message.contains("Missing value"), "\(arguments): \(message)")
        }
    }

    /// pwctl refuses what the engine's limits refuse (EngineLimits), in every command that takes the knob.
    @Test func knobsBeyondTheEngineLimitsAreRefused() {
        #expect(parseFailure(["query", "--source", "1", "--top", "1048577"]).contains("--top must be at most 1048576"))
        #expect(parseFailure(["query", "--source", "1", "--max-levels", "1025"]).contains("at most 1024, not 1025"))
        for steps in ["5", "-1"] {
            #expect(
                parseFailure(["query", "--source", "1", "--smoothing-steps", steps]).contains(
                    "--smoothing-steps must be in 0 ... 4, not \(steps)"))
        }
        #expect(
            parseFailure(["query", "--source", "1", "--refine", "65537"]).contains(
                "--refine must be in 0 ... 65536, not 65537"))
        #expect(
            parseFailure(["query", "--batch", "sources.txt", "--refine", "10"]).contains(
                "--refine applies to single queries"))
        #expect(parseFailure(["batch", "--input", "i", "--output", "o", "--top", "1048577"]).contains("at most"))
        #expect(parseFailure(["evaluate", "--samples", "1000001"]).contains("--samples must be in 1 ... 1000000"))
        #expect(parseFailure(["export", "--output", "d", "--top", "1048577"]).contains("--top must be at most"))
        #expect(parseFailure(["exact", "--graph", "g", "--source", "1", "--top", "1048577"]).contains("at most"))
    }

    @Test func modesMustBeConsistent() {
        #expect(parseFailure(["query"]).contains("--source is required"))
        #expect(parseFailure(["query", "--graph", "g", "--source", "1"]).contains("--graph needs --store"))
        #expect(parseFailure(["query", "--store", "s", "--source", "1"]).contains("--store needs --graph"))
        let mixed = parseFailure(
            ["query", "--graph", "g", "--store", "s", "--source", "1", "--coordinator", "tcp://x:1"])
        #expect(mixed.contains("--coordinator applies to wire mode"))
    }

    @Test func exactTakesItsFlags() throws {
        let exact: ExactCommand = try parse([
            "exact", "--graph", "g.pwg", "--source", "3:1", "--source", "4:3", "--top", "20", "--alpha", "0.3",
            "--exclude", "8", "--exclude-sources", "--tolerance", "1e-12", "--max-iterations", "500", "--json",
        ])
        #expect(exact.graph == "g.pwg" && exact.target.top == 20 && exact.alpha == 0.3)
        #expect(try exact.target.sources().map(\.weight) == [1, 3])
        #expect(exact.tolerance == 1e-12 && exact.maxIterations == 500 && exact.target.json)
        #expect(exact.target.exclude == [8] && exact.target.excludeSources)
        #expect(parseFailure(["exact", "--source", "3"]).contains("--graph"))
        #expect(parseFailure(["exact", "--graph", "g", "--source", "3", "--tolerance", "0"]).contains("--tolerance"))
    }
}

@Suite struct CoordinatorOptionTests {
    @Test func theDefaultComesFromTheEnvironmentThenTheFallback() throws {
        let status: StatusCommand = try parse(["status"])
        let environment = ["PWCTL_COORDINATOR": "ipc:///run/pw.sock"]
        #expect(status.coordinator.url(environment: environment) == "ipc:///run/pw.sock")
        #expect(status.coordinator.url(environment: ["PWCTL_COORDINATOR": ""]) == "tcp://127.0.0.1:7400")
        #expect(status.coordinator.url(environment: [:]) == "tcp://127.0.0.1:7400")
        #expect(status.coordinator.deadline == .milliseconds(30_000))
        let flagged: StatusCommand = try parse(["status", "--coordinator", "tcp://h:1", "--json"])
        #expect(flagged.coordinator.url(environment: ["PWCTL_COORDINATOR": "tcp://env:2"]) == "tcp://h:1")
        #expect(flagged.json)
    }
}

@Suite struct JobCommandParsingTests {
    @Test func indexWithoutAStoreIsAJobWithOnlyTheGivenParameters() throws {
        let index: IndexCommand = try parse(
            ["index", "--walks", "32", "--seed", "9", "--threads", "2", "--wait", "--json"])
        #expect(!index.isLocal && index.submission.wait && index.submission.json)
        #expect(index.spec == .index(IndexJobParams(walksPerVertex: 32, seed: 9, threads: 2)))
        let bare: IndexCommand = try parse(["index"])
        #expect(bare.spec == .index(IndexJobParams()))
    }

    @Test func indexWithAStoreIsLocal() throws {
        let index: IndexCommand = try parse(
            ["index", "--graph", "g", "--store", "s", "--max-length", "50", "--alpha", "0.2"])
        #expect(index.isLocal)
        let expected = WalkParameters(restartProbability: 0.2, walksPerVertex: 16, maxWalkLength: 50, seed: 1)
        #expect(index.walk.parameters == expected)
        #expect(parseFailure(["index", "--graph", "g"]).contains("--graph needs --store"))
        let waitLocally = parseFailure(["index", "--graph", "g", "--store", "s", "--wait"])
        #expect(waitLocally.contains("--wait applies to job mode"))
        #expect(parseFailure(["index", "--threads", "0"]).contains("--threads"))
        #expect(parseFailure(["index", "--walks", "0"]).contains("walks"))
    }

    @Test func batchSendsPathsAsGivenForTheJobDirectory() throws {
        let batch: BatchCommand = try parse([
            "batch", "--input", "in/sources.txt", "--output", "../out.tsv", "--top", "25", "--eps", "0.01",
            "--max-levels", "4", "--exclude-sources", "--exclude-out-neighbors", "--wait",
        ])
        // Not made absolute on the client: the coordinator resolves (and refuses "..") in its job directory.
        let expected = BatchQueryJobParams(
            inputPath: "in/sources.txt", outputPath: "../out.tsv", topK: 25, eps: 0.01, maxLevels: 4,
            excludeSources: true, excludeOutNeighbors: true)
        #expect(batch.spec() == .batchQuery(expected))
        #expect(batch.submission.wait && !batch.submission.json)
        let absolute: BatchCommand = try parse(["batch", "--input", "/a/b", "--output", "/c/./d"])
        guard case .batchQuery(let params) = absolute.spec() else {
            Issue.record("not a batch-query spec")
            return
        }
        #expect(params.inputPath == "/a/b" && params.outputPath == "/c/./d")
        #expect(parseFailure(["batch", "--input", "a"]).contains("--output"))
        #expect(parseFailure(["batch", "--input", "a", "--output", "b", "--top", "0"]).contains("--top"))
    }

    @Test func evaluateTakesItsFlags() throws {
        let evaluate: EvaluateCommand = try parse([
            "evaluate", "--samples", "50", "--seed", "7", "--top", "100", "--eps", "0.0001", "--max-levels", "10",
            "--wait", "--json",
        ])
        let expected = EvaluateJobParams(sampleCount: 50, seed: 7, topK: 100, eps: 0.0001, maxLevels: 10)
        #expect(evaluate.spec == .evaluate(expected))
        #expect(evaluate.submission.wait && evaluate.submission.json)
        #expect(parseFailure(["evaluate", "--samples", "0"]).contains("--samples"))
    }

    @Test func jobsSubcommands() throws {
        let list: JobsCommand.ListJobs = try parse(["jobs", "list", "--state", "Running", "--limit", "5", "--json"])
        #expect(list.request == ListJobsRequest(limit: 5, state: .running) && list.json)
        let all: JobsCommand.ListJobs = try parse(["jobs", "list"])
        #expect(all.request == ListJobsRequest())
        #expect(parseFailure(["jobs", "list", "--state", "done"]).contains("--state"))
        #expect(parseFailure(["jobs", "list", "--limit", "0"]).contains("--limit"))
        let show: JobsCommand.ShowJob = try parse(["jobs", "show", "42", "--json"])
        #expect(show.id == 42 && show.json)
        let cancel: JobsCommand.CancelJob = try parse(["jobs", "cancel", "7", "--coordinator", "tcp://c:1"])
        #expect(cancel.id == 7 && cancel.coordinator.url(environment: [:]) == "tcp://c:1")
        #expect(parseFailure(["jobs", "show"]).contains("id"))
        #expect(parseFailure(["jobs", "show", "x"]).contains("x"))
    }

    @Test func alphaHelpSaysWhereTheDefaultComesFrom() {
        func alphaHelp(_ help: String) -> String {
            help.split(separator: "\n").drop { !$0.contains("--alpha <alpha> ") || $0.contains("USAGE") }.prefix(2)
                .joined(separator: " ")
        }
        let exact = alphaHelp(ExactCommand.helpMessage(columns: 200))
        #expect(exact.contains("default 0.15") && !exact.contains("index"), "\(exact)")
        let query = alphaHelp(QueryCommand.helpMessage(columns: 200))
        #expect(query.contains("the index's"), "\(query)")
        #expect(parseFailure(["exact", "--graph", "g", "--source", "1", "--alpha", "0"]).contains("--alpha"))
    }
}

@Suite struct LocalDaemonParsingTests {
    private let base = ["local", "--graph", "g.pwg", "--data-dir", "/srv/pw", "--shards", "2"]

    @Test func shardTransportDefaultsToInprocAndTakesIPC() throws {
        let inproc = try #require(try PowerwalkdCommand.parseAsRoot(base) as? LocalCommand)
        #expect(inproc.shardTransport == "inproc")
        #expect(try ShardTransport(named: inproc.shardTransport) == .inproc)
        let ipc = try #require(
            try PowerwalkdCommand.parseAsRoot(base + ["--shard-transport", "ipc"]) as? LocalCommand)
        #expect(try ShardTransport(named: ipc.shardTransport) == .ipc)
    }

    @Test func aBadShardTransportIsRefusedNamingTheChoices() {
        do {
            let command = try PowerwalkdCommand.parseAsRoot(base + ["--shard-transport", "tcp"])
            Issue.record("parsed as \(type(of: command))")
        } catch {
            let message = PowerwalkdCommand.message(for: error)
            #expect(message.contains("--shard-transport: tcp must be one of inproc, ipc"), "\(message)")
        }
    }
}

/// Every daemon role takes the shared flags with one check and one message (`DaemonOptions`).
@Suite struct DaemonOptionsParsingTests {
    private let roles = [
        ["local", "--graph", "g.pwg", "--data-dir", "/srv/pw", "--shards", "2"],
        ["worker", "--config", "c.yaml", "--shard", "0"],
        ["coordinator", "--config", "c.yaml"],
    ]

    @Test func everyRoleTakesALogLevel() throws {
        for role in roles {
            let daemon: DaemonOptions? =
                switch try PowerwalkdCommand.parseAsRoot(role + ["--log-level", "debug"]) {
                case let command as LocalCommand: command.daemon
                case let command as WorkerCommand: command.daemon
                case let command as CoordinatorCommand: command.daemon
                default: nil
                }
            #expect(daemon?.logLevel == "debug", "\(role[0])")
        }
    }

    @Test func everyRoleRefusesAnUnknownLevelAlike() {
        for role in roles {
            do {
                let command = try PowerwalkdCommand.parseAsRoot(role + ["--log-level", "loud"])
                Issue.record("\(role[0]) parsed as \(type(of: command))")
            } catch {
                let message = PowerwalkdCommand.message(for: error)
                #expect(
                    message.contains(
                        "--log-level must be one of trace, debug, info, notice, warning, error, critical, not 'loud'"),
                    "\(role[0]): \(message)")
            }
        }
    }
}
