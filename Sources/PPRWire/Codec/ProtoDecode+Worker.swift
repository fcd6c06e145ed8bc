internal import CPPRProto
import PPRCore

// Coordinator ↔ worker messages.
extension ProtoDecode {
    static func combine(_ c: Ppr__V1__CombineRequest) throws(WireDecodeError) -> CombineRequest {
        let frontiers = try messages(c.n_frontiers, c.frontiers) { (f) throws(WireDecodeError) in
            guard f.n_vertices == f.n_weights else {
                throw WireDecodeError("Frontier has \(f.n_vertices) vertices but \(f.n_weights) weights")
            }
            return zip(array(f.n_vertices, f.vertices), array(f.n_weights, f.weights)).map {
                WeightedVertex(vertex: $0, weight: $1)
            }
        }
        return CombineRequest(indexVersion: c.index_version, frontiers: frontiers)
    }

    static func combineResponse(_ c: Ppr__V1__CombineResponse) throws(WireDecodeError) -> CombineResponse {
        let sums = try messages(c.n_partial_sums, c.partial_sums) { (s) throws(WireDecodeError) in
            guard s.n_vertices == s.n_scores else {
                throw WireDecodeError("PartialSum has \(s.n_vertices) vertices but \(s.n_scores) scores")
            }
            return PartialSum(vertices: array(s.n_vertices, s.vertices), scores: array(s.n_scores, s.scores))
        }
        return CombineResponse(
            partialSums: sums, indexVersion: c.index_version, fingerprintsRead: count(c.fingerprints_read)
        )
    }

    static func indexTask(_ c: Ppr__V1__IndexTaskRequest) throws(WireDecodeError) -> IndexTaskRequest {
        IndexTaskRequest(
            version: c.version, walk: walk(try required(c.walk, "IndexTaskRequest.walk")),
            threads: Int(c.threads), graphChecksum: c.graph_checksum
        )
    }

    static func indexTaskStatus(_ c: Ppr__V1__IndexTaskStatus) throws(WireDecodeError) -> IndexTaskStatus {
        IndexTaskStatus(
            version: c.version, state: try known(c.state, "IndexTaskStatus.state"),
            progressDone: count(c.progress_done), progressTotal: count(c.progress_total),
            error: c.error.map { error($0.pointee) }
        )
    }

    static func workerHealth(_ c: Ppr__V1__WorkerHealth) throws(WireDecodeError) -> WorkerHealth {
        var task: IndexTaskStatus?
        if let pointer = c.index_task { task = try indexTaskStatus(pointer.pointee) }
        return WorkerHealth(
            shards: array(c.n_shard_ids, c.shard_ids).map { ShardID(Int($0)) }, activeVersion: c.active_version,
            manifest: c.manifest.map { manifest($0.pointee) }, combineRequests: count(c.combine_requests),
            fingerprintsRead: count(c.fingerprints_read), uptime: duration(micros: c.uptime_micros),
            indexTask: task, workerVersion: string(c.worker_version)
        )
    }
}
