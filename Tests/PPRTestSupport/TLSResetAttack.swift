import Foundation

/// Runs `deploy/tools/tls-reset-after-handshake.py` (python3, standard library only) against a listener
/// on loopback: connections that send the client's TLS handshake and reset before the server's Finished,
/// which stop an nng 1.5.2 tls+tcp listener now and then (nng issue #1518).
public enum TLSResetAttack {
    /// Attacks `127.0.0.1:port` for `seconds` with `threads` connections at a time; returns how many
    /// connections were made. Waits without blocking a thread of the cooperative pool.
    public static func run(port: Int, seconds: Double, threads: Int = 4) async throws -> Int {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/tools/tls-reset-after-handshake.py").standardized
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script.path, "127.0.0.1", String(port), "--threads", String(threads), "--seconds",
            String(seconds),
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0, let count = Int(printed.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.executableLoad, userInfo: ["reason": "the attack script exited \(status): \(printed)"])
        }
        return count
    }
}
