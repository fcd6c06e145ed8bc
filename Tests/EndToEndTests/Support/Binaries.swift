// Where the built powerwalkd and pwctl are, and the fixture edge list.
//
// `swift test` builds every target of the package, the executable products included, into the same
// build-products directory as the test bundle (`.build/<triple>/debug/`), so the binaries are found
// next to this target's resource bundle; no extra build step runs during the tests. Set
// POWERWALK_E2E_BIN_DIR to test binaries built elsewhere (e.g. a release build).
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The binaries under test and the fixture files.
enum Binaries {
    /// The directory holding `powerwalkd` and `pwctl`.
    static let directory: URL = {
        if let override = ProcessInfo.processInfo.environment["POWERWALK_E2E_BIN_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        // The resource bundle (PowerWalk_EndToEndTests.resources) sits in the build-products directory.
        return Bundle.module.bundleURL.deletingLastPathComponent()
    }()

    static var powerwalkd: URL { get throws { try binary("powerwalkd") } }
    static var pwctl: URL { get throws { try binary("pwctl") } }

    private static func binary(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw HarnessError(
                "\(name) not found in \(directory.path): run the suite with `swift test` (it builds the "
                    + "executables) or set POWERWALK_E2E_BIN_DIR")
        }
        return url
    }

    /// The SNAP edge list of email-Eu-core (1005 vertices, 25571 edges; ids 0...1004).
    static var emailEuCore: URL {
        get throws {
            let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            return fixtures.appendingPathComponent("email-Eu-core.txt")
        }
    }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
struct ScratchDirectory {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pw-e2e-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Loopback TCP ports nobody listens on right now.
enum FreePort {
    /// `count` distinct ports: each from a socket bound to 127.0.0.1:0, all held open until every port
    /// is known (so the kernel cannot hand out one twice), then closed for the daemons to bind.
    ///
    /// A port could in principle be taken by someone else before the daemon binds it; on a test
    /// machine that does not happen in practice.
    static func ports(_ count: Int) throws -> [Int] {
        var descriptors: [Int32] = []
        defer { for fd in descriptors { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
            descriptors.append(fd)
            ports.append(try boundPort(fd))
        }
        return ports
    }

    /// `tcp://127.0.0.1:PORT` URLs on `count` distinct free ports.
    static func urls(_ count: Int) throws -> [String] { try ports(count).map { "tcp://127.0.0.1:\($0)" } }

    private static func boundPort(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw HarnessError("bind 127.0.0.1:0: errno \(errno)") }
        var chosen = sockaddr_in()
        var chosenLength = length
        let named = withUnsafeMutablePointer(to: &chosen) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &chosenLength) }
        }
        guard named == 0 else { throw HarnessError("getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: chosen.sin_port))
    }
}
