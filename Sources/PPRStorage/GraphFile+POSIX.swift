// Minimal POSIX file access for graph files and edge lists: open/read/write/fsync/rename with every
// failing call turned into a `SystemCallError` that names the call and carries `strerror(errno)`
// (the swift-nio `syscall` pattern). Synchronous and blocking: callers run it off the cooperative
// pool or accept the short block (the CLI does).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: which call, and the error text of `errno`.
struct SystemCallError: Error {
    let operation: String
    let code: Int32

    var message: String { String(cString: strerror(code)) }
}

/// An open file descriptor, closed when the value is released.
final class POSIXFile {
    // Owned; closed by `close()` or in deinit, then -1.
    private var descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws(SystemCallError) -> POSIXFile {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError(operation: "open", code: errno) }
        return POSIXFile(descriptor: fd)
    }

    /// Creates a new file; fails if it exists (`O_EXCL`), so a temp name is never shared.
    static func createExclusive(_ path: String, mode: mode_t = 0o644) throws(SystemCallError) -> POSIXFile {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemCallError(operation: "open", code: errno) }
        return POSIXFile(descriptor: fd)
    }

    /// Reads up to `buffer.count` bytes into the start of `buffer`; 0 means end of file.
    func read(into buffer: inout [UInt8]) throws(SystemCallError) -> Int {
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in Glibc.read(descriptor, raw.baseAddress, raw.count) }
            if count >= 0 { return count }
            if errno != EINTR { throw SystemCallError(operation: "read", code: errno) }
        }
    }

    /// Reads the whole file from the current position.
    func readAll() throws(SystemCallError) -> [UInt8] {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemCallError(operation: "fstat", code: errno) }
        var result: [UInt8] = []
        result.reserveCapacity(Int(status.st_size))
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try read(into: &buffer)
            if count == 0 { return result }
            result += buffer[0..<count]
        }
    }

    /// Writes every byte of `bytes`, retrying short writes.
    func writeAll(_ bytes: [UInt8]) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemCallError(operation: "write", code: errno)
            }
            written += count
        }
    }

    /// Flushes data and metadata to stable storage.
    func sync() throws(SystemCallError) {
        guard fsync(descriptor) == 0 else { throw SystemCallError(operation: "fsync", code: errno) }
    }

    /// Closes now, reporting errors (a failed close can mean lost writes).
    func close() throws(SystemCallError) {
        let fd = descriptor
        descriptor = -1
        guard Glibc.close(fd) == 0 else { throw SystemCallError(operation: "close", code: errno) }
    }

    /// Atomically replaces `destination` with `source` (same file system).
    static func rename(_ source: String, to destination: String) throws(SystemCallError) {
        guard Glibc.rename(source, destination) == 0 else { throw SystemCallError(operation: "rename", code: errno) }
    }

    /// Removes a file, ignoring errors (cleanup path).
    static func removeIfPresent(_ path: String) {
        _ = unlink(path)
    }

    /// Flushes a directory entry change (a rename) to disk; best effort.
    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = Glibc.close(fd)
    }

    /// True when `path` names an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }
}
