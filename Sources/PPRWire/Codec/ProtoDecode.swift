internal import CPPRProto
import PPRCore

/// protobuf-c structs → Swift messages. protobuf-c has checked the wire format already; this checks
/// what it cannot: required sub-messages, known enum values, equal lengths of parallel arrays.
///
/// Every pointer read here belongs to a tree that `WireCodec` frees only after decoding returns,
/// and everything returned is copied into Swift values.
enum ProtoDecode {
    static func array<T>(_ count: Int, _ pointer: UnsafeMutablePointer<T>?) -> [T] {
        guard count > 0, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The floats of a C array widened to doubles (exactly: every float is a double).
    static func widened(_ count: Int, _ pointer: UnsafeMutablePointer<Float>?) -> [Double] {
        guard count > 0, let pointer else { return [] }
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer.initializeElement(at: i, to: Double(pointer[i])) }
            initialized = count
        }
    }

    static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    static func messages<T, R>(
        _ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?,
        _ decode: (T) throws(WireDecodeError) -> R
    ) throws(WireDecodeError) -> [R] {
        var out: [R] = []
        out.reserveCapacity(count)
        for element in array(count, pointer) {
            guard let element else { throw WireDecodeError("null element in a repeated field") }
            out.append(try decode(element.pointee))
        }
        return out
    }

    static func required<T>(_ pointer: UnsafeMutablePointer<T>?, _ field: String) throws(WireDecodeError) -> T {
        guard let pointer else { throw WireDecodeError("missing required field \(field)") }
        return pointer.pointee
    }

    static func known<E: RawRepresentable<Int32>, C: RawRepresentable>(
        _ value: C, _ field: String
    ) throws(WireDecodeError) -> E where C.RawValue: FixedWidthInteger {
        guard let known = E(rawValue: rawValue(value)) else {
            throw WireDecodeError("unknown value \(rawValue(value)) of \(field)")
        }
        return known
    }

    static func isSet<C: RawRepresentable>(_ oneofCase: C) -> Bool where C.RawValue: FixedWidthInteger {
        oneofCase.rawValue != 0
    }

    static func count(_ value: UInt64) -> Int { Int(clamping: value) }

    static func duration(micros: UInt64) -> Duration { .microseconds(Int64(clamping: micros)) }

    static func error(_ c: Ppr__V1__Error) -> WireError {
        WireError(WireErrorCode(rawValue: rawValue(c.code)), string(c.message))
    }

    static func query(_ c: Ppr__V1__QueryRequest) throws(WireDecodeError) -> QueryRequest {
        QueryRequest(
            sources: try messages(c.n_sources, c.sources) { QuerySource(VertexID($0.vertex), weight: $0.weight) },
            topK: isSet(c.opt_top_k_case) ? Int(c.top_k) : nil,
            eps: isSet(c.opt_eps_case) ? c.eps : nil,
            maxLevels: isSet(c.opt_max_levels_case) ? Int(c.max_levels) : nil,
            exclude: array(c.n_exclude, c.exclude).map { VertexID($0) },
            excludeSources: c.exclude_sources != 0,
            excludeOutNeighbors: c.exclude_out_neighbors != 0,
            restartProbability: isSet(c.opt_alpha_case) ? c.alpha : nil,
            accuracy: optionalString(c.accuracy),
            smoothingSteps: isSet(c.opt_smoothing_steps_case) ? Int(c.smoothing_steps) : nil,
            refineCandidates: isSet(c.opt_refine_candidates_case) ? Int(c.refine_candidates) : nil
        )
    }

    static func queryResponse(_ c: Ppr__V1__QueryResponse) throws(WireDecodeError) -> QueryResponse {
        QueryResponse(
            results: try messages(c.n_results, c.results) { RankedVertex(VertexID($0.vertex), score: $0.score) },
            fingerprintsUsed: count(c.fingerprints_used), flowPushed: c.flow_pushed,
            verticesExpanded: count(c.vertices_expanded), levels: Int(c.levels),
            elapsed: duration(micros: c.elapsed_micros), indexVersion: c.index_version,
            errorEstimate: c.error_estimate
        )
    }

    /// A proto3 string field, nil when empty (unset).
    static func optionalString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        let value = string(pointer)
        return value.isEmpty ? nil : value
    }

    static func batchQuery(_ c: Ppr__V1__BatchQueryRequest) throws(WireDecodeError) -> BatchQueryRequest {
        BatchQueryRequest(queries: try messages(c.n_queries, c.queries, query))
    }

    static func batchQueryResponse(_ c: Ppr__V1__BatchQueryResponse) throws(WireDecodeError) -> BatchQueryResponse {
        BatchQueryResponse(
            responses: try messages(c.n_responses, c.responses, queryResponse),
            elapsed: duration(micros: c.elapsed_micros), indexVersion: c.index_version
        )
    }

    /// Absent allocation fields (a peer from before `WalkAllocation`) decode as uniform R.
    static func walk(_ c: Ppr__V1__WalkParams) -> WalkParameters {
        WalkParameters(
            restartProbability: c.alpha, walksPerVertex: Int(c.walks_per_vertex),
            maxWalkLength: Int(c.max_walk_length), seed: c.seed,
            allocation: WalkAllocation(hubScale: c.hub_scale, maxWalksPerVertex: Int(c.max_walks_per_vertex))
        )
    }

    /// The manifest summary; `graphWeighted` travels beside it, in the enclosing message.
    static func manifest(_ c: Ppr__V1__ManifestSummary, graphWeighted: protobuf_c_boolean) -> ManifestSummary {
        ManifestSummary(
            graphChecksum: c.graph_checksum,
            walk: WalkParameters(
                restartProbability: c.alpha, walksPerVertex: Int(c.walks_per_vertex),
                maxWalkLength: Int(c.max_walk_length), seed: c.seed,
                allocation: WalkAllocation(hubScale: c.walk_hub_scale, maxWalksPerVertex: Int(c.max_walks_per_vertex))
            ),
            encodingVersion: Int(c.encoding_version), fingerprintCount: count(c.fingerprint_count),
            indexVersion: c.index_version, graphWeighted: graphWeighted != 0
        )
    }

    static func clusterStatus(_ c: Ppr__V1__ClusterStatus) throws(WireDecodeError) -> ClusterStatus {
        let shards = try messages(c.n_shards, c.shards) { (s) throws(WireDecodeError) in
            ShardStatus(
                shard: ShardID(Int(s.shard_id)), workerURL: string(s.worker_url),
                state: try known(s.state, "ShardStatus.state"), activeVersion: s.active_version,
                manifest: s.manifest.map { manifest($0.pointee, graphWeighted: s.manifest_graph_weighted) },
                detail: string(s.detail),
                replicas: try messages(s.n_replicas, s.replicas) { (r) throws(WireDecodeError) in
                    ReplicaStatus(
                        replica: Int(r.replica), url: string(r.url), state: try known(r.state, "ReplicaStatus.state"),
                        activeVersion: r.active_version, consecutiveFailures: Int(r.consecutive_failures),
                        progressDone: count(r.progress_done), progressTotal: count(r.progress_total),
                        detail: string(r.detail))
                }
            )
        }
        let graph = c.graph.map { g in
            GraphSummary(
                path: string(g.pointee.path), vertexCount: count(g.pointee.vertex_count),
                edgeCount: count(g.pointee.edge_count), checksum: g.pointee.checksum,
                weighted: c.graph_weighted != 0
            )
        }
        return ClusterStatus(
            shards: shards, coordinatorVersion: string(c.coordinator_version), graph: graph,
            activeIndexVersion: c.active_index_version
        )
    }
}
