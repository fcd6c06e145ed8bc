import Foundation
import Glibc
import PPRCore
import Testing

/// The measurements behind `QueryParameters.defaultEps`/`.defaultMaxLevels` (not a test: it asserts
/// nothing about timing). Runs only when `PPR_EXPERIMENT_GRAPH` names an edge list, in a release build:
/// `PPR_EXPERIMENT_GRAPH=/tmp/slashdot.txt swift test -c release --filter QueryDefaultsExperiment`.
/// Optional `PPR_EXPERIMENT_SETTINGS="R,eps,T,floor;..."` overrides the grid.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PPR_EXPERIMENT_GRAPH"] != nil))
struct QueryDefaultsExperiment {
    @Test func measure() throws {
        let environment = ProcessInfo.processInfo.environment
        let path = try #require(environment["PPR_EXPERIMENT_GRAPH"])
        let graph = try Self.load(path)
        print("graph: \(graph.vertexCount) vertices, \(graph.edgeCount) edges")
        let sources = TestSupport.sampleSources(
            graph, count: Int(environment["PPR_EXPERIMENT_SOURCES"] ?? "50")!, seed: 2024)
        let clock = ContinuousClock()
        var exact: [[Double]] = []
        let exactTime = clock.measure {
            exact = sources.map {
                try! PowerIteration.solve(graph: graph, personalization: Personalization(source: $0)).scores
            }
        }
        print("exact: \(exactTime / sources.count) per source")
        for walks in [16, 256] {
            var walker = FingerprintWalker(graph: graph, parameters: WalkParameters(walksPerVertex: walks))
            var entries = 0
            let start = Self.threadCPUSeconds()
            for u in 0..<graph.vertexCount { entries += walker.fingerprint(of: VertexIndex(u)).entryCount }
            let seconds = Self.threadCPUSeconds() - start
            print(
                "walker R=\(walks): \(seconds) s CPU, \(Double(walker.stepCount) / seconds / 1e6) M steps/s, \(entries / graph.vertexCount) entries/vertex"
            )
        }
        let grid = (environment["PPR_EXPERIMENT_SETTINGS"] ?? "16,1e-4,8,0;16,1e-3,8,0;16,1e-5,8,0").split(
            separator: ";")
        var stores: [Int: InMemoryFingerprints] = [:]
        print("R\teps\tT\tfloor\tp@10\tp@100\tL1\tfrontier\tf_mass\tedges\texpand_us\tcombine_us\tp50_us\tp90_us")
        for setting in grid {
            let fields = setting.split(separator: ",")
            let walks = Int(fields[0])!
            let parameters = QueryParameters(
                eps: Double(fields[1])!, maxLevels: Int(fields[2])!,
                dropFloor: Double(fields[3])!, k: 100)
            if stores[walks] == nil {
                var store: InMemoryFingerprints?
                let buildTime = clock.measure {
                    store = try! InMemoryFingerprints(graph: graph, parameters: WalkParameters(walksPerVertex: walks))
                }
                let seconds = Double(buildTime.components.seconds) + Double(buildTime.components.attoseconds) * 1e-18
                print(
                    "build R=\(walks): \(buildTime), \(Double(store!.stepCount) / seconds / 1e6) M steps/s incl. encode, \(store!.encodedByteCount) bytes"
                )
                stores[walks] = store
            }
            let store = stores[walks]!
            var decomposition = Decomposition(graph: graph)
            var query = DecompositionQuery(graph: graph)
            var p10 = 0.0, p100 = 0.0, l1 = 0.0, frontier = 0.0, edges = 0.0, mass = 0.0
            var expandTotal = Duration.zero, combineTotal = Duration.zero
            var queryTimes: [Duration] = []
            for (i, u) in sources.enumerated() {
                let p = Personalization(source: u)
                var expansion: Expansion?
                expandTotal += clock.measure {
                    expansion = try! decomposition.expand(
                        personalization: p, restartProbability: 0.15,
                        eps: parameters.eps, maxLevels: parameters.maxLevels, dropFloor: parameters.dropFloor)
                }
                var accumulator = [Double](repeating: 0, count: graph.vertexCount)
                combineTotal += clock.measure { try! store.accumulate(expansion!.frontier, into: &accumulator) }
                queryTimes.append(clock.measure { _ = try! query.run(p, parameters: parameters, fingerprints: store) })
                let (scores, metadata) = try query.scores(p, parameters: parameters, fingerprints: store)
                p10 += AccuracyMetrics.precision(atK: 10, approximate: scores, exact: exact[i])
                p100 += AccuracyMetrics.precision(atK: 100, approximate: scores, exact: exact[i])
                l1 += AccuracyMetrics.l1Distance(scores, exact[i])
                frontier += Double(metadata.fingerprintsUsed)
                edges += Double(metadata.expansion.edgesPushed)
                mass += metadata.expansion.frontierFlow
            }
            let n = Double(sources.count)
            queryTimes.sort()
            let us = { (d: Duration) in Double(d.components.attoseconds) * 1e-12 + Double(d.components.seconds) * 1e6 }
            print(
                String(
                    format: "%d\t%@\t%d\t%@\t%.4f\t%.4f\t%.4f\t%.0f\t%.3f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f",
                    walks, String(fields[1]), parameters.maxLevels, String(fields[3]), p10 / n, p100 / n, l1 / n,
                    frontier / n, mass / n, edges / n, us(expandTotal) / n, us(combineTotal) / n,
                    us(queryTimes[queryTimes.count / 2]), us(queryTimes[queryTimes.count * 9 / 10])))
        }
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Fast enough for a million-edge SNAP file: whitespace split, `#` comments.
    static func load(_ path: String) throws -> CSRGraph {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var builder = GraphBuilder()
        for line in text.utf8.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
            let fields = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 13 })
            guard fields.count >= 2 else { continue }
            builder.addEdge(
                from: UInt64(String(decoding: fields[0], as: UTF8.self))!,
                to: UInt64(String(decoding: fields[1], as: UTF8.self))!)
        }
        return try builder.build().graph
    }
}
