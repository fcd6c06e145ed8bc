// RawSockets: plain TCP and unix socket peers that hang up before nng's negotiation, the connections
// that provoke the nng 1.5.2 listener and dialer stops (nng issue #1518).
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

public enum RawSockets {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connects to a listener's `tcp://127.0.0.1:PORT`, `tls+tcp://127.0.0.1:PORT` or `ipc://PATH` URL and
    /// closes the connection at once.
    public static func connectAndClose(_ url: String) throws {
        let fd: Int32
        let connected: Int32
        if url.hasPrefix("ipc://") {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            connected = withSocketAddress(try unixAddress(String(url.dropFirst("ipc://".count)))) {
                connect(fd, $0, $1)
            }
        } else {
            guard let port = url.split(separator: ":").last.flatMap({ UInt16($0) }) else {
                throw Failure(description: "no port in \(url)")
            }
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            connected = withSocketAddress(address) { connect(fd, $0, $1) }
        }
        close(fd)
        guard connected == 0 else { throw Failure(description: "cannot connect to \(url)") }
    }

    /// Listens on the unix socket `path`, runs `dial` (which must connect there), accepts that one
    /// connection and closes it at once, then stops listening and removes `path`.
    public static func closeFirstConnection<T>(at path: String, dial: () throws -> T) throws -> T {
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer {
            close(listener)
            unlink(path)
        }
        let bound = withSocketAddress(try unixAddress(path)) { bind(listener, $0, $1) }
        guard bound == 0, listen(listener, 4) == 0 else { throw Failure(description: "cannot listen at \(path)") }
        let dialled = try dial()
        close(accept(listener, nil, nil))
        usleep(300_000)  // the dialer's negotiation fails on the closed connection meanwhile
        return dialled
    }

    /// `body` with `address` (a `sockaddr_in` or `sockaddr_un`) as the `sockaddr` pointer and length the
    /// socket calls take.
    private static func withSocketAddress<Address, Result>(
        _ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) -> Result {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }

    private static func unixAddress(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return address
    }
}
