import Foundation

/// Certificates made for one test by `deploy/tls/make-certs.sh` (openssl) in a fresh temporary directory.
public struct TestCertificates: Sendable {
    /// The directory holding ca.pem, client-ca.pem, NAME.pem/.key, client.pem/.key and tokens.
    public let directory: URL

    /// Runs the deploy script; `names` are the cluster certificates to make.
    public init(names: [String] = ["coordinator", "worker-0"]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pw-tls-\(UUID().uuidString)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/tls/make-certs.sh").standardized
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, directory.path] + names
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: ["reason": "make-certs.sh exited \(process.terminationStatus)"])
        }
    }

    /// Path of `name` in the directory (e.g. "ca.pem").
    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Deletes the directory.
    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
