// ChildProcess: one built binary (powerwalkd, pwctl) run as a child of the test with its stdout and
// stderr captured in memory. Every wait is bounded: a child that outlives its timeout is SIGKILLed and
// the test fails with its output, so no test can hang on a stuck daemon. A child still running when
// its ChildProcess is released is SIGKILLed too (teardown also on failure).
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a finished command left behind.
struct CommandResult: CustomStringConvertible {
    /// Exit status, or the signal number when `signalled`.
    var status: Int32
    /// Whether a signal ended the process.
    var signalled: Bool
    var stdout: String
    var stderr: String

    /// Whether the process exited normally with status 0.
    var succeeded: Bool { !signalled && status == 0 }

    var description: String {
        "\(signalled ? "signal" : "exit") \(status)\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// A failure of the test harness itself (a child that hung, a binary that is missing).
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A running child process; its output accumulates while it runs.
final class ChildProcess: @unchecked Sendable {
    // Safety of Sendable: `process` is configured in init and afterwards only read (isRunning,
    // processIdentifier, termination status); the output buffers are Mutex-protected.
    private let process = Process()
    private let out = OutputBuffer()
    private let err = OutputBuffer()
    /// Short name for messages (`powerwalkd worker 1`).
    let name: String

    /// Starts `executable` with `arguments` and `environment` (the parent's, minus PowerWalk variables,
    /// plus `environment`).
    init(name: String, executable: URL, arguments: [String], environment: [String: String] = [:]) throws {
        self.name = name
        process.executableURL = executable
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("POWERWALK_") && $0.key != "PWCTL_COORDINATOR"
        }
        inherited.merge(environment) { _, new in new }
        process.environment = inherited
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        out.drain(stdout.fileHandleForReading)
        err.drain(stderr.fileHandleForReading)
    }

    deinit { send(SIGKILL) }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    /// Everything written to stdout so far.
    var stdout: String { out.text }
    /// Everything written to stderr so far.
    var stderr: String { err.text }

    /// Sends `signal` if the process is still running.
    func send(_ signal: Int32) {
        if process.isRunning { signalProcess(process.processIdentifier, signal) }
    }

    /// Waits up to `timeout` for the process to exit, then for its pipes to reach end of file.
    ///
    /// - Throws: `HarnessError` (after SIGKILLing it) if it is still running at the timeout.
    func waitForExit(timeout: Duration) async throws -> CommandResult {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while process.isRunning {
            guard clock.now < end else {
                send(SIGKILL)
                throw HarnessError("\(name) still running after \(timeout); killed.\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // The pipes close with the process; give the readers a moment to take the last bytes.
        let drained = clock.now + .seconds(5)
        while !(out.finished && err.finished) && clock.now < drained { try await Task.sleep(for: .milliseconds(5)) }
        let signalled = process.terminationReason == .uncaughtSignal
        return CommandResult(status: process.terminationStatus, signalled: signalled, stdout: stdout, stderr: stderr)
    }

    /// Waits up to `timeout` until stderr contains `text`; fails early if the process exits first.
    func waitForStderr(containing text: String, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while !stderr.contains(text) {
            guard process.isRunning else { throw HarnessError("\(name) exited before logging '\(text)':\n\(stderr)") }
            guard clock.now < end else { throw HarnessError("\(name) did not log '\(text)' in \(timeout):\n\(stderr)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Runs a command to completion (bounded by `timeout`) and returns its result.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> CommandResult {
        let name = ([executable.lastPathComponent] + arguments.prefix(2)).joined(separator: " ")
        let child = try ChildProcess(name: name, executable: executable, arguments: arguments, environment: environment)
        return try await child.waitForExit(timeout: timeout)
    }
}

/// `kill(2)` (a free function, so the method names above do not shadow it).
private func signalProcess(_ pid: Int32, _ signal: Int32) { _ = kill(pid, signal) }

/// Bytes read from one pipe by a dedicated thread (never the cooperative pool: the reads block).
private final class OutputBuffer: Sendable {
    private let state = Mutex<(data: Data, finished: Bool)>((Data(), false))

    var text: String { state.withLock { String(decoding: $0.data, as: UTF8.self) } }
    var finished: Bool { state.withLock { $0.finished } }

    /// Reads `handle` until end of file on a new thread.
    func drain(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                state.withLock { $0.data.append(chunk) }
            }
            state.withLock { $0.finished = true }
        }
        thread.start()
    }
}
