import Foundation
import PPRCore
import PPRService
import Testing

/// The repository root, found from this file so the tests read the committed `config/` examples.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite struct ConfigLoaderTests {
    @Test(arguments: ["config/local.yaml", "config/cluster.yaml"])
    func theCommittedExamplesLoad(_ file: String) throws {
        let config = try ConfigLoader.load(path: "\(repositoryRoot)/\(file)", environment: [:])
        #expect(!config.shards.isEmpty)
        #expect(config.shards.allSatisfy { !$0.replicas.isEmpty })
        #expect(config.coordinator.listen.hasPrefix("tcp://") || config.coordinator.listen.hasPrefix("tls+tcp://"))
    }

    @Test func defaultsFillAbsentKeysAndTheEnvironmentOverridesTheFile() throws {
        let yaml = """
            graph: g.pwg
            shards:
              - replicas:
                  - url: tcp://127.0.0.1:7410
                    dataDir: s0
            index:
              walks: 8
            """
        var loader = try ConfigLoader(
            yaml: yaml, origin: "test.yaml",
            environment: [
                "POWERWALK_INDEX_WALKS": "32", "POWERWALK_COORDINATOR_LISTEN": "tcp://127.0.0.1:9999",
                "POWERWALK_SHARDS_0_REPLICAS_0_URL": "ipc:///tmp/x", "POWERWALK_COORDINATOR_SERVICE_HOST": "10.0.0.1",
            ])
        let config = try loader.serviceConfig()
        #expect(config.index.walks == 32)
        #expect(config.coordinator.listen == "tcp://127.0.0.1:9999")
        #expect(config.shards[0].replicas[0].url == "ipc:///tmp/x")
        #expect(config.index.maxLength == IndexDefaults().maxLength)
        #expect(config.deadlines == Deadlines())
        #expect(config.coordinator.jobFilesDirectory == "\(config.coordinator.dataDir)/jobs")
    }

    @Test func theJobDirectoryComesFromTheFileOrTheEnvironment() throws {
        let yaml = "graph: g.pwg\nshards:\n  - replicas:\n      - url: tcp://127.0.0.1:7410\n        dataDir: s0\n"
        var fromEnvironment = try ConfigLoader(
            yaml: yaml, origin: "t.yaml", environment: ["POWERWALK_COORDINATOR_JOBFILESDIR": "/srv/pw-jobs"])
        #expect(try fromEnvironment.serviceConfig().coordinator.jobFilesDirectory == "/srv/pw-jobs")
        var fromFile = try ConfigLoader(
            yaml: yaml + "coordinator:\n  jobFilesDir: here/jobs\n", origin: "t.yaml", environment: [:])
        #expect(try fromFile.serviceConfig().coordinator.jobFilesDirectory == "here/jobs")
    }

    @Test func anUnknownKeyIsRefusedByName() throws {
        let yaml = "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\nquery:\n  topk: 5\n"
        var loader = try ConfigLoader(yaml: yaml, origin: "bad.yaml", environment: [:])
        #expect(throws: ConfigError.unknownKey("bad.yaml", "query.topk")) { try loader.serviceConfig() }
    }

    @Test func aValueOfTheWrongTypeNamesTheKey() throws {
        let yaml = "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\nindex:\n  walks: many\n"
        var loader = try ConfigLoader(yaml: yaml, origin: "bad.yaml", environment: [:])
        #expect(throws: ConfigError.invalid("bad.yaml", "index.walks", "many", "an integer in 1 ... 1048576")) {
            try loader.serviceConfig()
        }
    }

    /// A bad value from a POWERWALK_* variable blames the variable (the file may not even have the key).
    @Test func aBadValueFromTheEnvironmentNamesTheVariable() throws {
        let yaml = "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\nindex:\n  walks: 16\n"
        var loader = try ConfigLoader(
            yaml: yaml, origin: "good.yaml", environment: ["POWERWALK_INDEX_WALKS": "many", "POWERWALK_QUERY_EPS": "1"])
        let error = #expect(throws: ConfigError.self) { try loader.serviceConfig() }
        #expect(
            error == .invalidEnvironment("POWERWALK_INDEX_WALKS", "index.walks", "many", "an integer in 1 ... 1048576"))
        #expect(
            error?.description
                == "environment variable POWERWALK_INDEX_WALKS (config key 'index.walks') has value 'many', "
                + "expected an integer in 1 ... 1048576")
        var unset = try ConfigLoader(yaml: yaml, origin: "good.yaml", environment: ["POWERWALK_QUERY_MAXLEVELS": "-1"])
        #expect(
            throws: ConfigError.invalidEnvironment(
                "POWERWALK_QUERY_MAXLEVELS", "query.maxLevels", "-1", "an integer in 0 ... 1024")
        ) {
            try unset.serviceConfig()
        }
    }

    @Test(arguments: [
        ("query", "eps", "-0.1", "a number ≥ 0"),
        ("query", "accuracy", "medium", "one of fast, default, high"),
        ("query", "topK", "99999999", "an integer in 1 ... 1048576"),
        ("query", "maxLevels", "5000", "an integer in 0 ... 1024"),
        ("index", "alpha", "1.5", "a number between 0 and 1 (exclusive)"),
        ("index", "threads", "4096", "an integer in 0 ... 1024"),
    ])
    func anOutOfRangeDefaultIsRefusedAtLoad(section: String, key: String, value: String, expected: String) throws {
        let yaml =
            "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\n\(section):\n  \(key): \(value)\n"
        var loader = try ConfigLoader(yaml: yaml, origin: "bad.yaml", environment: [:])
        #expect(throws: ConfigError.invalid("bad.yaml", "\(section).\(key)", value, expected)) {
            try loader.serviceConfig()
        }
    }

    @Test func theAccuracyPresetSetsTheQueryKnobsAndExplicitKeysOverrideIt() throws {
        let head =
            "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\nquery:\n  accuracy: high\n"
        var named = try ConfigLoader(yaml: head, origin: "a.yaml", environment: [:])
        let config = try named.serviceConfig()
        #expect(config.query.accuracy == .high)
        #expect(config.query.eps == AccuracyPreset.high.eps && config.query.maxLevels == AccuracyPreset.high.maxLevels)
        var overridden = try ConfigLoader(yaml: head + "  eps: 0.002\n", origin: "b.yaml", environment: [:])
        let mixed = try overridden.serviceConfig()
        #expect(mixed.query.accuracy == .high && mixed.query.eps == 0.002)
        var plain = try ConfigLoader(
            yaml: "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\n",
            origin: "c.yaml", environment: [:])
        let defaults = try plain.serviceConfig()
        #expect(defaults.query.accuracy == .default && defaults.query.eps == AccuracyPreset.default.eps)
    }

    /// `coordinator.stepHelpers` is parsed (file and environment), defaults to `idle`, and an unknown policy is
    /// refused naming the key and the policies; `coordinator.queryHelpers` reaches a separate worker's options.
    @Test func stepHelpersIsParsedAndCheckedAndQueryHelpersReachWorkers() throws {
        let head = "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\ncoordinator:\n"
        var absent = try ConfigLoader(yaml: head + "  concurrency: 4\n", origin: "a.yaml", environment: [:])
        let defaults = try absent.serviceConfig()
        #expect(defaults.coordinator.stepHelpers == .idle)
        #expect(WorkerOptions(config: defaults).combineHelpers == CoordinatorConfig().queryHelpers)
        var always = try ConfigLoader(
            yaml: head + "  stepHelpers: always\n  queryHelpers: 3\n", origin: "b.yaml", environment: [:])
        let parsed = try always.serviceConfig()
        #expect(parsed.coordinator.stepHelpers == .always)
        #expect(WorkerOptions(config: parsed).combineHelpers == 3)
        var none = try ConfigLoader(
            yaml: head + "  queryHelpers: 0\n", origin: "c.yaml",
            environment: ["POWERWALK_COORDINATOR_STEPHELPERS": "idle"])
        let zero = try none.serviceConfig()
        #expect(zero.coordinator.stepHelpers == .idle)
        #expect(WorkerOptions(config: zero).combineHelpers == 0)
        var bad = try ConfigLoader(yaml: head + "  stepHelpers: sometimes\n", origin: "d.yaml", environment: [:])
        #expect(throws: ConfigError.invalid("d.yaml", "coordinator.stepHelpers", "sometimes", "one of idle, always")) {
            try bad.serviceConfig()
        }
        var badEnvironment = try ConfigLoader(
            yaml: head + "  concurrency: 4\n", origin: "e.yaml",
            environment: ["POWERWALK_COORDINATOR_STEPHELPERS": "ALWAYS"])
        #expect(
            throws: ConfigError.invalidEnvironment(
                "POWERWALK_COORDINATOR_STEPHELPERS", "coordinator.stepHelpers", "ALWAYS", "one of idle, always")
        ) { try badEnvironment.serviceConfig() }
    }

    /// `coordinator.replyPrecision`: `double` by default, `float` parsed, anything else refused naming the key.
    @Test func replyPrecisionIsParsedAndChecked() throws {
        let head = "graph: g\nshards:\n  - replicas:\n      - {url: 'tcp://a:1', dataDir: d}\ncoordinator:\n"
        var absent = try ConfigLoader(yaml: head + "  concurrency: 4\n", origin: "a.yaml", environment: [:])
        #expect(try absent.serviceConfig().coordinator.replyPrecision == .double)
        var float = try ConfigLoader(yaml: head + "  replyPrecision: float\n", origin: "b.yaml", environment: [:])
        #expect(try float.serviceConfig().coordinator.replyPrecision == .float)
        var bad = try ConfigLoader(yaml: head + "  replyPrecision: half\n", origin: "c.yaml", environment: [:])
        #expect(throws: ConfigError.invalid("c.yaml", "coordinator.replyPrecision", "half", "one of double, float")) {
            try bad.serviceConfig()
        }
    }

    @Test func aConfigWithoutShardsIsRefused() throws {
        var loader = try ConfigLoader(yaml: "graph: g\n", origin: "bad.yaml", environment: [:])
        #expect(throws: ConfigError.missing("bad.yaml", "shards")) { try loader.serviceConfig() }
    }
}
