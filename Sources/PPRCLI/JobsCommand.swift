import ArgumentParser
import PPRWire

/// `pwctl jobs`: list, show and cancel the coordinator's jobs.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, show and cancel jobs on the coordinator.",
        subcommands: [ListJobs.self, ShowJob.self, CancelJob.self]
    )

    /// `pwctl jobs list`.
    struct ListJobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

        @Option(name: .long, help: "Only jobs in this state: queued, running, succeeded, failed or cancelled.")
        var state: String?

        @Option(name: .long, help: "At most this many jobs (default: all).")
        var limit: Int?

        @Flag(name: .long, help: "Print one JSON object {\"jobs\":[...]}.")
        var json = false

        @OptionGroup var coordinator: CoordinatorOptions

        func validate() throws {
            if let state, Self.state(named: state) == nil {
                throw ValidationError("--state must be queued, running, succeeded, failed or cancelled, not '\(state)'")
            }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
        }

        /// The request sent.
        var request: ListJobsRequest { ListJobsRequest(limit: limit ?? 0, state: state.flatMap(Self.state(named:))) }

        static func state(named name: String) -> JobState? {
            JobState.allCases.first { JobOutput.name($0) == name.lowercased() }
        }

        func run() async throws {
            try await ClientFailure.reporting {
                let jobs = try await coordinator.client().jobs(request).map(JobOutput.init)
                print(json ? try JSONOutput.string(["jobs": jobs]) : JobOutput.table(jobs))
            }
        }
    }

    /// `pwctl jobs show ID`.
    struct ShowJob: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job's record.")

        @Argument(help: "Job id.")
        var id: UInt64

        @Flag(name: .long, help: "Print the record as one JSON object.")
        var json = false

        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            try await ClientFailure.reporting {
                let output = JobOutput(try await coordinator.client().job(id))
                print(json ? try output.json() : output.text())
            }
        }
    }

    /// `pwctl jobs cancel ID`.
    struct CancelJob: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel a queued or running job; prints its record.")

        @Argument(help: "Job id.")
        var id: UInt64

        @Flag(name: .long, help: "Print the record as one JSON object.")
        var json = false

        @OptionGroup var coordinator: CoordinatorOptions

        func run() async throws {
            try await ClientFailure.reporting {
                let output = JobOutput(try await coordinator.client().cancel(id))
                print(json ? try output.json() : output.text())
            }
        }
    }
}
