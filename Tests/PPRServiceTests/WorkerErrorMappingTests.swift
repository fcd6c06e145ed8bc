import PPRCore
import PPRService
import PPRStorage
import PPRWire
import Testing

/// `WireError(from:)`: DESIGN §4's codes for the domain errors.
@Suite struct WorkerErrorMappingTests {
    struct Unknown: Error {}

    @Test func domainErrorsMapToTheirCodesWithTheirDescriptions() {
        let cases: [(any Error, WireErrorCode)] = [
            (WireError(.deadlineExceeded, "x"), .deadlineExceeded),
            (StoreError.noCompleteIndex(path: "/s", detail: "none"), .failedPrecondition),
            (StoreError.graphMismatch(path: "/s", expectedChecksum: 1, indexedChecksum: 2), .failedPrecondition),
            (StoreError.versionNotFound(3), .notFound),
            (StoreError.versionNumberUsed(3, nextFree: 5), .alreadyExists),
            (StoreError.vertexNotInStore(4, shardIndex: 0, shardCount: 2, vertexCount: 9), .invalidArgument),
            (StoreError.cancelled(version: 2), .cancelled),
            (StoreError.corruptIndex(path: "/s", detail: "bad"), .internal),
            (QueryError.invalidParameter(.outOfRange(name: "eps", value: "-1", expected: ">= 0")), .invalidArgument),
            // Another alpha than the index's is an argument the caller fixes: INVALID_ARGUMENT (DESIGN §4), as
            // the coordinator has always answered; it was FAILED_PRECONDITION in process (issue 9).
            (QueryError.restartProbabilityMismatch(query: 0.2, index: 0.15), .invalidArgument),
            (StoreError.restartProbabilityMismatch(path: "/s", requested: 0.2, indexed: 0.15), .invalidArgument),
            (QueryRequestError.alphaMismatch(requested: 0.2, index: 0.15), .invalidArgument),
            (QueryRequestError.unknownVertex(VertexID(5), role: .exclude), .notFound),
            (QueryRequestError.inBatch(query: 2, .unknownVertex(VertexID(5), role: .source)), .notFound),
            (QueryRequestError.outOfRange(field: "top_k", value: "0", expected: "in 1 ... 2"), .invalidArgument),
            (JobSpecError.invalidParameter(name: "top_k", value: "0", expected: "1 ... 2"), .invalidArgument),
            (ActiveIndexError.noActiveVersion, .failedPrecondition),
            (ActiveIndexError.shardUnreachable(ShardID(1), detail: "no reply"), .unavailable),
            (ActiveIndexError.shardServesAnotherVersion(ShardID(1), serving: 2, expected: 3), .failedPrecondition),
            (
                ActiveIndexError.builtForAnotherGraph(ShardID(0), indexedChecksum: 1, graphChecksum: 2),
                .failedPrecondition
            ),
            (JobSpecError.files(.unusable(name: "input_path", path: "x", reason: "a directory")), .invalidArgument),
            (QueryError.personalization(.vertexOutOfRange(vertex: 7, vertexCount: 5)), .notFound),
            (PersonalizationError.empty, .invalidArgument),
            (ParameterError.outOfRange(name: "walks", value: "0", expected: "1 ... 1048576"), .invalidArgument),
            (ConfigError.missing("c.yaml", "graph"), .invalidArgument),
            (FingerprintSourceError.unknownVertex(9, vertexCount: 3), .notFound),
            (GraphFileError.io(path: "/g", operation: "open", message: "No such file"), .failedPrecondition),
            (CancellationError(), .cancelled),
            (Unknown(), .internal),
        ]
        for (error, code) in cases {
            let wire = WireError(from: error)
            #expect(wire.code == code, "\(error)")
            if !(error is WireError) && !(error is CancellationError) {
                #expect(wire.message == String(describing: error))
            }
        }
        #expect(
            WireError(from: ParameterError.outOfRange(name: "walks", value: "0", expected: "1")).message.contains(
                "walks"))
    }
}
