// A worker's ipc:// listener stopped by one connection that closes before negotiating (nng 1.5.2, issue
// #1518: any local process that can open the socket could do it): the worker's listener watchdog restarts
// it, logs it, and the coordinator's queries succeed again without restarting anything.
import Foundation
import Testing

extension EndToEnd {
    @Suite("worker listener restart")
    struct WorkerListenerRestartTests {
        @Test("a worker ipc listener stopped by an early close is restarted and queries succeed again")
        func stoppedIPCListenerIsRestarted() async throws {
            try await ClusterProcess.with(shards: 1, workerIPC: true) { cluster in
                _ = try await cluster.indexJob()
                let query = ["--source", "1", "--source", "5"]
                let healthy = try await cluster.query(query)

                let url = cluster.workerURLs[0]
                try connectAndClose(unixSocket: String(url.dropFirst("ipc://".count)))
                let worker = try #require(cluster.workers[0])
                try await worker.waitForStderr(
                    containing: "listener had stopped accepting connections and was restarted", timeout: .seconds(20))
                #expect(worker.stderr.contains(url))

                let recovered = try await cluster.query(query)
                #expect(recovered.results == healthy.results)
            }
        }

        /// Connects to the unix socket at `path` and closes the connection at once.
        private func connectAndClose(unixSocket path: String) throws {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(connected == 0, "cannot connect to \(path)")
        }
    }
}
