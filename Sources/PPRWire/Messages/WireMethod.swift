/// The operation an envelope asks for or answers (proto `ppr.v1.Method`).
public enum WireMethod: Int32, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    // Client → coordinator.
    case query = 1
    case batchQuery = 2
    case submitJob = 3
    case getJob = 4
    case listJobs = 5
    case cancelJob = 6
    case clusterStatus = 7
    // Coordinator → worker.
    case combine = 32
    case startIndexTask = 33
    case getIndexTask = 34
    case cancelIndexTask = 35
    case activateVersion = 36
    case workerHealth = 37

    public var description: String {
        switch self {
        case .query: "Query"
        case .batchQuery: "BatchQuery"
        case .submitJob: "SubmitJob"
        case .getJob: "GetJob"
        case .listJobs: "ListJobs"
        case .cancelJob: "CancelJob"
        case .clusterStatus: "ClusterStatus"
        case .combine: "Combine"
        case .startIndexTask: "StartIndexTask"
        case .getIndexTask: "GetIndexTask"
        case .cancelIndexTask: "CancelIndexTask"
        case .activateVersion: "ActivateVersion"
        case .workerHealth: "WorkerHealth"
        }
    }
}

/// Any request of the protocol.
public enum WireRequest: Equatable, Sendable {
    case query(QueryRequest)
    case batchQuery(BatchQueryRequest)
    case submitJob(SubmitJobRequest)
    case getJob(GetJobRequest)
    case listJobs(ListJobsRequest)
    case cancelJob(CancelJobRequest)
    case clusterStatus(ClusterStatusRequest)
    case combine(CombineRequest)
    case startIndexTask(IndexTaskRequest)
    case getIndexTask(GetIndexTaskRequest)
    case cancelIndexTask(CancelIndexTaskRequest)
    case activateVersion(ActivateVersionRequest)
    case workerHealth(WorkerHealthRequest)

    /// The method this request invokes.
    public var method: WireMethod {
        switch self {
        case .query: .query
        case .batchQuery: .batchQuery
        case .submitJob: .submitJob
        case .getJob: .getJob
        case .listJobs: .listJobs
        case .cancelJob: .cancelJob
        case .clusterStatus: .clusterStatus
        case .combine: .combine
        case .startIndexTask: .startIndexTask
        case .getIndexTask: .getIndexTask
        case .cancelIndexTask: .cancelIndexTask
        case .activateVersion: .activateVersion
        case .workerHealth: .workerHealth
        }
    }
}

/// Any reply of the protocol: a response body, or a failure.
public enum WireResponse: Equatable, Sendable {
    case query(QueryResponse)
    case batchQuery(BatchQueryResponse)
    /// Reply to submit, get and cancel job.
    case job(JobRecord)
    case jobList(ListJobsResponse)
    case clusterStatus(ClusterStatus)
    case combine(CombineResponse)
    /// Reply to start, get and cancel index task.
    case indexTask(IndexTaskStatus)
    case activateVersion(ActivateVersionResponse)
    case workerHealth(WorkerHealth)
    case failure(WireError)

    /// The error, if this reply is a failure.
    public var failure: WireError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// A decoded request envelope.
public struct WireRequestEnvelope: Equatable, Sendable {
    /// Chosen by the caller, echoed in the reply.
    public var requestID: UInt64
    public var request: WireRequest
    /// The caller's bearer token (front requests when the front has a tokens file); `nil` when absent.
    public var token: String?
    /// Makes an envelope.
    public init(requestID: UInt64, request: WireRequest, token: String? = nil) {
        self.requestID = requestID
        self.request = request
        self.token = token
    }
}

/// A decoded reply envelope.
public struct WireResponseEnvelope: Equatable, Sendable {
    /// The method of the request this answers (`nil` when the request itself did not decode).
    public var method: WireMethod?
    /// The request's id (0 when the request did not decode).
    public var requestID: UInt64
    public var response: WireResponse
    /// Makes an envelope.
    public init(method: WireMethod?, requestID: UInt64, response: WireResponse) {
        self.method = method
        self.requestID = requestID
        self.response = response
    }
}
