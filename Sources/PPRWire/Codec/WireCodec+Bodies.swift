internal import CPPRProto

// The `Envelope.body` oneof in both directions.
extension WireCodec {
    static func setBody(
        of env: UnsafeMutablePointer<Ppr__V1__Envelope>, to request: WireRequest, in arena: EncodeArena
    ) {
        switch request {
        case .query(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_QUERY_REQUEST
            env.pointee.query_request = arena.query(m)
        case .batchQuery(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_BATCH_QUERY_REQUEST
            env.pointee.batch_query_request = arena.batchQuery(m)
        case .submitJob(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_SUBMIT_JOB_REQUEST
            env.pointee.submit_job_request = arena.jobSpec(m.spec)
        case .getJob(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_GET_JOB_REQUEST
            let c = arena.message(ppr__v1__get_job_request__init)
            c.pointee.id = m.id
            env.pointee.get_job_request = c
        case .listJobs(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_LIST_JOBS_REQUEST
            env.pointee.list_jobs_request = arena.listJobs(m)
        case .cancelJob(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_CANCEL_JOB_REQUEST
            let c = arena.message(ppr__v1__cancel_job_request__init)
            c.pointee.id = m.id
            env.pointee.cancel_job_request = c
        case .clusterStatus:
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_CLUSTER_STATUS_REQUEST
            env.pointee.cluster_status_request = arena.message(ppr__v1__cluster_status_request__init)
        case .combine(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_COMBINE_REQUEST
            env.pointee.combine_request = arena.combine(m)
        case .startIndexTask(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_INDEX_TASK_REQUEST
            env.pointee.index_task_request = arena.indexTask(m)
        case .getIndexTask(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_GET_INDEX_TASK_REQUEST
            let c = arena.message(ppr__v1__get_index_task_request__init)
            c.pointee.version = m.version
            env.pointee.get_index_task_request = c
        case .cancelIndexTask(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_CANCEL_INDEX_TASK_REQUEST
            let c = arena.message(ppr__v1__cancel_index_task_request__init)
            c.pointee.version = m.version
            env.pointee.cancel_index_task_request = c
        case .activateVersion(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_ACTIVATE_VERSION_REQUEST
            let c = arena.message(ppr__v1__activate_version_request__init)
            c.pointee.version = m.version
            env.pointee.activate_version_request = c
        case .workerHealth:
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_WORKER_HEALTH_REQUEST
            env.pointee.worker_health_request = arena.message(ppr__v1__worker_health_request__init)
        }
    }

    static func setBody(
        of env: UnsafeMutablePointer<Ppr__V1__Envelope>, to response: WireResponse, in arena: EncodeArena
    ) {
        switch response {
        case .query(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_QUERY_RESPONSE
            env.pointee.query_response = arena.queryResponse(m)
        case .batchQuery(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_BATCH_QUERY_RESPONSE
            env.pointee.batch_query_response = arena.batchQueryResponse(m)
        case .job(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_JOB_RECORD
            env.pointee.job_record = arena.jobRecord(m)
        case .jobList(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_LIST_JOBS_RESPONSE
            env.pointee.list_jobs_response = arena.jobList(m)
        case .clusterStatus(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_CLUSTER_STATUS
            env.pointee.cluster_status = arena.clusterStatus(m)
        case .combine(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_COMBINE_RESPONSE
            env.pointee.combine_response = arena.combineResponse(m)
        case .indexTask(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_INDEX_TASK_STATUS
            env.pointee.index_task_status = arena.indexTaskStatus(m)
        case .activateVersion(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_ACTIVATE_VERSION_RESPONSE
            let c = arena.message(ppr__v1__activate_version_response__init)
            c.pointee.active_version = m.activeVersion
            c.pointee.previous_version = m.previousVersion
            env.pointee.activate_version_response = c
        case .workerHealth(let m):
            env.pointee.body_case = PPR__V1__ENVELOPE__BODY_WORKER_HEALTH
            env.pointee.worker_health = arena.workerHealth(m)
        case .failure(let error):
            env.pointee.error = arena.error(error)
        }
    }

    static func requestBody(of env: Ppr__V1__Envelope) throws(WireDecodeError) -> WireRequest {
        typealias D = ProtoDecode
        switch env.body_case {
        case PPR__V1__ENVELOPE__BODY_QUERY_REQUEST:
            return .query(try D.query(try D.required(env.query_request, "query_request")))
        case PPR__V1__ENVELOPE__BODY_BATCH_QUERY_REQUEST:
            return .batchQuery(try D.batchQuery(try D.required(env.batch_query_request, "batch_query_request")))
        case PPR__V1__ENVELOPE__BODY_SUBMIT_JOB_REQUEST:
            let spec = try D.jobSpec(try D.required(env.submit_job_request, "submit_job_request"))
            return .submitJob(SubmitJobRequest(spec))
        case PPR__V1__ENVELOPE__BODY_GET_JOB_REQUEST:
            return .getJob(GetJobRequest(id: try D.required(env.get_job_request, "get_job_request").id))
        case PPR__V1__ENVELOPE__BODY_LIST_JOBS_REQUEST:
            return .listJobs(try D.listJobs(try D.required(env.list_jobs_request, "list_jobs_request")))
        case PPR__V1__ENVELOPE__BODY_CANCEL_JOB_REQUEST:
            return .cancelJob(CancelJobRequest(id: try D.required(env.cancel_job_request, "cancel_job_request").id))
        case PPR__V1__ENVELOPE__BODY_CLUSTER_STATUS_REQUEST:
            return .clusterStatus(ClusterStatusRequest())
        case PPR__V1__ENVELOPE__BODY_COMBINE_REQUEST:
            return .combine(try D.combine(try D.required(env.combine_request, "combine_request")))
        case PPR__V1__ENVELOPE__BODY_INDEX_TASK_REQUEST:
            return .startIndexTask(try D.indexTask(try D.required(env.index_task_request, "index_task_request")))
        case PPR__V1__ENVELOPE__BODY_GET_INDEX_TASK_REQUEST:
            let version = try D.required(env.get_index_task_request, "get_index_task_request").version
            return .getIndexTask(GetIndexTaskRequest(version: version))
        case PPR__V1__ENVELOPE__BODY_CANCEL_INDEX_TASK_REQUEST:
            let version = try D.required(env.cancel_index_task_request, "cancel_index_task_request").version
            return .cancelIndexTask(CancelIndexTaskRequest(version: version))
        case PPR__V1__ENVELOPE__BODY_ACTIVATE_VERSION_REQUEST:
            let version = try D.required(env.activate_version_request, "activate_version_request").version
            return .activateVersion(ActivateVersionRequest(version: version))
        case PPR__V1__ENVELOPE__BODY_WORKER_HEALTH_REQUEST:
            return .workerHealth(WorkerHealthRequest())
        default:
            throw WireDecodeError("envelope (method \(rawValue(env.method))) carries no known request body")
        }
    }

    static func responseBody(of env: Ppr__V1__Envelope) throws(WireDecodeError) -> WireResponse {
        typealias D = ProtoDecode
        switch env.body_case {
        case PPR__V1__ENVELOPE__BODY_QUERY_RESPONSE:
            return .query(try D.queryResponse(try D.required(env.query_response, "query_response")))
        case PPR__V1__ENVELOPE__BODY_BATCH_QUERY_RESPONSE:
            let c = try D.required(env.batch_query_response, "batch_query_response")
            return .batchQuery(try D.batchQueryResponse(c))
        case PPR__V1__ENVELOPE__BODY_JOB_RECORD:
            return .job(try D.jobRecord(try D.required(env.job_record, "job_record")))
        case PPR__V1__ENVELOPE__BODY_LIST_JOBS_RESPONSE:
            return .jobList(try D.jobList(try D.required(env.list_jobs_response, "list_jobs_response")))
        case PPR__V1__ENVELOPE__BODY_CLUSTER_STATUS:
            return .clusterStatus(try D.clusterStatus(try D.required(env.cluster_status, "cluster_status")))
        case PPR__V1__ENVELOPE__BODY_COMBINE_RESPONSE:
            return .combine(try D.combineResponse(try D.required(env.combine_response, "combine_response")))
        case PPR__V1__ENVELOPE__BODY_INDEX_TASK_STATUS:
            return .indexTask(try D.indexTaskStatus(try D.required(env.index_task_status, "index_task_status")))
        case PPR__V1__ENVELOPE__BODY_ACTIVATE_VERSION_RESPONSE:
            let c = try D.required(env.activate_version_response, "activate_version_response")
            return .activateVersion(
                ActivateVersionResponse(activeVersion: c.active_version, previousVersion: c.previous_version)
            )
        case PPR__V1__ENVELOPE__BODY_WORKER_HEALTH:
            return .workerHealth(try D.workerHealth(try D.required(env.worker_health, "worker_health")))
        default:
            let method = rawValue(env.method)
            throw WireDecodeError("envelope (method \(method)) carries neither a reply body nor an error")
        }
    }
}
