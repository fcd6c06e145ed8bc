// WireErrorMapping: the one place where domain errors become wire status codes (DESIGN §4).
//
// - an unknown vertex is NOT_FOUND naming it; an out-of-range parameter is INVALID_ARGUMENT naming it;
// - a query's alpha that is not the index's is INVALID_ARGUMENT naming alpha: DESIGN §4 names no other
//   code for it and the caller fixes it by changing the argument (or omitting it), in either mode;
// - no complete index, another graph's index, a version in the wrong state: FAILED_PRECONDITION;
// - a version number used before: ALREADY_EXISTS; a cancelled build: CANCELLED;
// - the front's refusals: no or unknown token UNAUTHENTICATED, wrong role PERMISSION_DENIED, a batch
//   whose reply could exceed limits.maxReplyEntries RESOURCE_EXHAUSTED;
// - anything else (damaged stores, LMDB failures, broken invariants): INTERNAL with its description.
// In-process (`pwctl query --graph --store`) and cluster modes both turn errors into codes here, and pwctl
// turns codes into exit statuses in one place (`ClientFailure.exitStatus(for:)`), so the same mistake
// gives the same code, message and exit status in both modes.
// A new domain error gets its code here (add a case), never by building a WireError where it is thrown.
import PPRCore
import PPRStorage
import PPRWire

extension WireError {
    /// The wire form of any error: its code chosen by kind, its message the error's description.
    public init(from error: any Error) {
        switch error {
        case let error as WireError: self = error
        case let error as StoreError: self.init(Self.code(for: error), error.description)
        case let error as GraphFileError: self.init(.failedPrecondition, error.description)
        case let error as QueryRequestError:
            self.init(error.isUnknownVertex ? .notFound : .invalidArgument, error.description)
        case let error as QueryError: self.init(Self.code(for: error), error.description)
        case let error as PersonalizationError: self.init(Self.code(for: error), error.description)
        case let error as ParameterError: self.init(.invalidArgument, error.description)
        case let error as ConfigError: self.init(.invalidArgument, error.description)
        case let error as FingerprintSourceError: self.init(Self.code(for: error), error.description)
        case let error as JobFilesError: self.init(Self.code(for: error), error.description)
        case let error as JobSpecError: self.init(Self.code(for: error), error.description)
        case let error as EdgeListError: self.init(.invalidArgument, error.description)
        case let error as EdgeListReaderError: self.init(.invalidArgument, error.description)
        case let error as GraphError: self.init(.invalidArgument, error.description)
        case let error as WireDecodeError: self.init(.invalidArgument, error.description)
        case let error as ServingError: self.init(.unavailable, error.description)
        case let error as StoredJobError: self.init(.internal, error.description)
        case let error as FrontAccessError: self.init(Self.code(for: error), error.description)
        case let error as ActiveIndexError: self.init(Self.code(for: error), error.description)
        case is CancellationError: self.init(.cancelled, "the request was cancelled")
        default: self.init(.internal, String(describing: error))
        }
    }

    /// The result of `body`; its domain error is thrown in its wire form (the mapping above).
    public static func mapping<T, Failure: Error>(_ body: () throws(Failure) -> T) throws(WireError) -> T {
        do {
            return try body()
        } catch {
            throw WireError(from: error)
        }
    }

    private static func code(for error: FrontAccessError) -> WireErrorCode {
        switch error {
        case .missingToken, .unknownToken: .unauthenticated
        case .roleNotAllowed: .permissionDenied
        case .replyTooLarge: .resourceExhausted
        case .tokensFile: .invalidArgument
        }
    }

    private static func code(for error: StoreError) -> WireErrorCode {
        switch error {
        case .storage where error.isDiskFull: .resourceExhausted
        case .noCompleteIndex, .graphMismatch, .graphWeightingMismatch, .wrongVersionState,
            .versionIsActive,
            .incompatibleFormat:
            .failedPrecondition
        case .versionNotFound: .notFound
        case .versionNumberUsed: .alreadyExists
        case .invalidManifest, .vertexNotInStore, .versionOutOfRange, .restartProbabilityMismatch, .blockShardMismatch:
            .invalidArgument
        case .cancelled: .cancelled
        case .storage, .corruptIndex, .accumulatorSize: .internal
        }
    }

    private static func code(for error: JobFilesError) -> WireErrorCode {
        switch error {
        case .outsideDirectory, .unusable: .invalidArgument
        case .io(_, _, let reason) where reason.hasPrefix("disk full"): .resourceExhausted
        case .directory, .io: .internal
        }
    }

    private static func code(for error: JobSpecError) -> WireErrorCode {
        switch error {
        case .files(let inner): code(for: inner)
        case .invalidParameter, .indexWalk, .outputIsInput: .invalidArgument
        }
    }

    private static func code(for error: QueryError) -> WireErrorCode {
        switch error {
        case .personalization(let inner): code(for: inner)
        case .invalidParameter, .restartProbabilityMismatch: .invalidArgument
        }
    }

    private static func code(for error: PersonalizationError) -> WireErrorCode {
        switch error {
        case .vertexOutOfRange: .notFound
        case .empty, .nonPositiveWeight, .nonFiniteWeight, .weightSumNotFinite: .invalidArgument
        }
    }

    /// A shard that does not answer is UNAVAILABLE (retry later); the rest need an operator (an index job, a
    /// restart on the right graph): FAILED_PRECONDITION.
    private static func code(for error: ActiveIndexError) -> WireErrorCode {
        switch error {
        case .shardUnreachable: .unavailable
        case .noActiveVersion, .shardHasNoIndex, .shardServesAnotherVersion, .builtForAnotherGraph,
            .walkParametersDiffer:
            .failedPrecondition
        }
    }

    private static func code(for error: FingerprintSourceError) -> WireErrorCode {
        switch error {
        case .unknownVertex: .notFound
        case .accumulatorSize: .internal
        }
    }
}
