// The export job through the coordinator front on the seeded test cluster: NumPy files read back by an
// independent reader (written here from the format's specification), compared with exact PPR; a
// cancelled export leaves no directory behind.
import Foundation
import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// A minimal `.npy` 1.0 reader: checks the magic and version, parses the header dict, reads the array.
struct NpyArray {
    var descr: String
    var shape: [Int]
    var data: [UInt8]

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw WireError(.internal, "\(path): not an .npy file")
        }
        guard bytes[6] == 1, bytes[7] == 0 else { throw WireError(.internal, "\(path): not format 1.0") }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        guard (10 + headerLength) % 64 == 0, bytes.count >= 10 + headerLength else {
            throw WireError(.internal, "\(path): header length \(headerLength) not aligned")
        }
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        guard header.hasSuffix("\n"), header.contains("'fortran_order': False") else {
            throw WireError(.internal, "\(path): bad header \(header)")
        }
        func value(after key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)': ") else { return nil }
            return header[range.upperBound...]
        }
        guard let d = value(after: "descr"), let s = value(after: "shape") else {
            throw WireError(.internal, "\(path): header without descr or shape")
        }
        descr = String(d.dropFirst().prefix { $0 != "'" })
        let inside = s.dropFirst().prefix { $0 != ")" }
        shape = inside.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        data = Array(bytes[(10 + headerLength)...])
    }

    var count: Int { shape.reduce(1, *) }

    func uint64() -> [UInt64] { elements() }
    func int64() -> [Int64] { elements() }
    func float32() -> [Float] { (elements() as [UInt32]).map { Float(bitPattern: $0) } }

    private func elements<T: FixedWidthInteger>() -> [T] {
        precondition(data.count == count * MemoryLayout<T>.size, "data size")
        return (0..<count).map { i in
            var value: T = 0
            for b in 0..<MemoryLayout<T>.size { value |= T(data[i * MemoryLayout<T>.size + b]) << (8 * b) }
            return value
        }
    }
}

@Suite struct ExportJobTests {
    /// Submits `spec` and polls until the job ends (bounded).
    static func run(_ spec: JobSpec, on cluster: CoordinatorTestCluster) async throws -> JobRecord {
        guard case .job(let submitted) = try await cluster.call(.submitJob(SubmitJobRequest(spec))) else {
            throw WireError(.internal, "expected a job record")
        }
        for _ in 0..<1_200 {
            guard case .job(let record) = try await cluster.call(.getJob(GetJobRequest(id: submitted.id))) else {
                break
            }
            if record.state != .queued, record.state != .running { return record }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WireError(.internal, "job \(submitted.id) did not finish")
    }

    /// The cluster's job directory (coordinator.jobFilesDir), where export paths are resolved.
    static func jobDirectory(_ cluster: CoordinatorTestCluster) throws -> String {
        let jobs = cluster.config.coordinator.jobFilesDirectory
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        return jobs
    }

    @Test func exportFilesMatchExactPPR() async throws {
        try await withTestCluster { cluster in
            let graph = cluster.loaded.graph
            let jobs = try Self.jobDirectory(cluster)
            let output = jobs + "/export"
            // Paths are relative to the job directory, as pwctl sends them.
            let record = try await Self.run(.export(ExportJobParams(outputPath: "export", topK: 10)), on: cluster)
            #expect(record.state == .succeeded, "\(String(describing: record.error))")
            #expect(record.result?.exportRows == graph.vertexCount)
            let vertices = try NpyArray(path: output + "/vertices.npy")
            let indptr = try NpyArray(path: output + "/indptr.npy")
            let neighbors = try NpyArray(path: output + "/neighbors.npy")
            let scores = try NpyArray(path: output + "/scores.npy")
            #expect(
                vertices.descr == "<u8" && indptr.descr == "<i8" && neighbors.descr == "<u8" && scores.descr == "<f4")
            #expect(vertices.shape == [graph.vertexCount])
            #expect(indptr.shape == [graph.vertexCount + 1])
            let ids = vertices.uint64()
            let offsets = indptr.int64()
            let targets = neighbors.uint64()
            let values = scores.float32()
            #expect(offsets.first == 0)
            #expect(Int(offsets.last ?? -1) == targets.count)
            #expect(targets.count == values.count)
            #expect(record.result?.exportEntries == targets.count)
            var hits = 0
            var rows = 0
            for row in stride(from: 0, to: graph.vertexCount, by: 10) {  // 30 rows checked against exact PPR
                #expect(ids[row] == graph.id(of: VertexIndex(row)).rawValue)
                let range = Int(offsets[row])..<Int(offsets[row + 1])
                #expect(range.count == 10)
                let rowScores = Array(values[range])
                #expect(rowScores == rowScores.sorted(by: >), "row \(row) not highest first")
                let exact = try PowerIteration.solve(
                    graph: graph, personalization: Personalization(source: VertexIndex(row)), restartProbability: 0.15)
                let truth = TopK.select(exact.scores, k: 10)
                let truthIDs = Set(truth.map { graph.id(of: $0.vertex).rawValue })
                hits += targets[range].filter { truthIDs.contains($0) }.count
                rows += 1
                // The top score is close to exact (Monte Carlo error of R = 32 walks).
                #expect(abs(Double(rowScores[0]) - truth[0].score) < 0.05)
            }
            #expect(Double(hits) / Double(rows * 10) >= 0.8, "precision@10 \(Double(hits) / Double(rows * 10))")
            let meta = try String(contentsOfFile: output + "/meta.json", encoding: .utf8)
            #expect(
                meta.contains("\"k\":10") && meta.contains("\"preset\":\"default\"") && meta.contains("\"alpha\":0.15"))
            #expect(meta.contains("\"graph_checksum\":\"\(String(cluster.loaded.checksum, radix: 16))\""))
            // Only the final directory is left.
            let left = try FileManager.default.contentsOfDirectory(atPath: jobs).filter { $0.hasPrefix("export") }
            #expect(left == ["export"])
            // A second export to the same directory replaces it whole (a rerun is always safe).
            let again = try await Self.run(.export(ExportJobParams(outputPath: "export", topK: 3)), on: cluster)
            #expect(again.state == .succeeded, "\(String(describing: again.error))")
            #expect(try NpyArray(path: output + "/indptr.npy").int64().last == Int64(3 * graph.vertexCount))
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: jobs).filter { $0.hasPrefix("export") } == [
                    "export"
                ])
            // A path that leaves the job directory is refused before anything is written.
            let escape = await #expect(throws: WireError.self) {
                try await cluster.call(
                    .submitJob(SubmitJobRequest(.export(ExportJobParams(outputPath: cluster.directory + "/out")))))
            }
            #expect(escape?.code == .invalidArgument && escape?.message.contains("coordinator.jobFilesDir") == true)
            #expect(!FileManager.default.fileExists(atPath: cluster.directory + "/out"))
        }
    }

    @Test func exportOfListedSourcesWithCRLF() async throws {
        try await withTestCluster(shardCount: 2) { cluster in
            let graph = cluster.loaded.graph
            let jobs = try Self.jobDirectory(cluster)
            try "# sources\r\n1003\r\n1000\r\n\r\n1030\r\n".write(
                toFile: jobs + "/sources.txt", atomically: true, encoding: .utf8)
            let output = jobs + "/listed"
            let record = try await Self.run(
                .export(ExportJobParams(outputPath: "listed", topK: 5, sourcesPath: "sources.txt", accuracy: "high")),
                on: cluster)
            #expect(record.state == .succeeded, "\(String(describing: record.error))")
            #expect(try NpyArray(path: output + "/vertices.npy").uint64() == [1003, 1000, 1030])
            #expect(try NpyArray(path: output + "/indptr.npy").int64() == [0, 5, 10, 15])
            _ = graph
        }
    }

    @Test func cancelledExportLeavesNothing() async throws {
        try await withTestCluster(shardCount: 2) { cluster in
            let graph = cluster.loaded.graph
            // Many rows (every vertex 60 times) so the job is still running when the cancel comes.
            let jobs = try Self.jobDirectory(cluster)
            let lines = (0..<60).flatMap { _ in
                (0..<graph.vertexCount).map { "\(graph.id(of: VertexIndex($0)).rawValue)\n" }
            }
            try lines.joined().write(toFile: jobs + "/many.txt", atomically: true, encoding: .utf8)
            guard
                case .job(let submitted) = try await cluster.call(
                    .submitJob(
                        SubmitJobRequest(
                            .export(ExportJobParams(outputPath: "cancelled", topK: 10, sourcesPath: "many.txt")))))
            else { throw WireError(.internal, "expected a job record") }
            var sawProgress = false
            for _ in 0..<3_000 where !sawProgress {
                guard case .job(let record) = try await cluster.call(.getJob(GetJobRequest(id: submitted.id))) else {
                    break
                }
                sawProgress = record.state == .running && record.progressDone > 0
                if record.state == .succeeded || record.state == .failed { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            _ = try await cluster.call(.cancelJob(CancelJobRequest(id: submitted.id)))
            var final: JobRecord?
            for _ in 0..<600 {
                guard case .job(let record) = try await cluster.call(.getJob(GetJobRequest(id: submitted.id))) else {
                    break
                }
                if record.state != .queued, record.state != .running {
                    final = record
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(sawProgress, "the export was not seen running")
            #expect(final?.state == .cancelled)
            let left = try FileManager.default.contentsOfDirectory(atPath: jobs).filter { $0.hasPrefix("cancelled") }
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
