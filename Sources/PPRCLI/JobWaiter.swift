import ArgumentParser
import PPRWire

/// Follows a job on the coordinator until it ends, drawing its progress on a terminal.
struct JobWaiter {
    /// The coordinator.
    let client: CoordinatorClient
    /// Time between two polls of the job record.
    var pollInterval: Duration = .milliseconds(500)

    /// Polls `record`'s job until it succeeded, failed or was cancelled; returns the final record.
    ///
    /// Each poll has the client's deadline; an unanswered poll ends the wait with that error (the job
    /// itself goes on: `pwctl jobs show ID` follows up).
    func wait(for record: JobRecord) async throws -> JobRecord {
        var bar = ProgressBar(unit: Self.unit(record.type))
        defer { bar.finish() }
        let final = try await client.awaitJob(record, every: pollInterval) { current in
            bar.update(done: current.progressDone, total: current.progressTotal, steps: nil)
        }
        if final.state == .succeeded {
            bar.update(done: final.progressTotal, total: final.progressTotal, steps: nil)
        }
        return final
    }

    /// What a job's progress counts.
    static func unit(_ type: JobType) -> String {
        switch type {
        case .index: "vertices"
        case .batchQuery: "queries"
        case .evaluate: "samples"
        case .export: "rows"
        }
    }
}

/// `--wait` and `--json` of the commands that submit a job (index in job mode, batch, evaluate).
struct JobSubmissionOptions: ParsableArguments {
    @Flag(name: .long, help: "Follow the job until it ends; exit 5 unless it succeeded.")
    var wait = false

    @Flag(name: .long, help: "Print the job record as one JSON object.")
    var json = false

    /// Submits `spec`. Without `--wait` prints the job id (or its record with `--json`); with it, follows
    /// the job and prints its final record, throwing exit code 5 if it did not succeed.
    func submit(_ spec: JobSpec, coordinator: CoordinatorOptions) async throws {
        let client = try coordinator.client()
        let submitted = try await client.submit(spec)
        guard wait else {
            print(json ? try JobOutput(submitted).json() : "\(submitted.id)")
            return
        }
        let final = try await JobWaiter(client: client).wait(for: submitted)
        let output = JobOutput(final)
        print(json ? try output.json() : output.text())
        if final.state != .succeeded { throw ClientFailure.jobDidNotSucceed }
    }
}
