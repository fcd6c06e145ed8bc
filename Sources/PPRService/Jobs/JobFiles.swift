// JobFiles: the coordinator's job directory (`coordinator.jobFilesDir`, DESIGN §5 Trust). Every file a job
// reads or writes is named relative to it and resolved here, once when the job is submitted and again when
// it runs (the files may change in between).
//
// The rules, checked before anything is read or created:
// - a relative path is taken from the job directory; an absolute path is accepted only if it lies inside it
//   (the job record shows resolved absolute paths, so a recorded path can be resubmitted);
// - a `..` component is refused outright, as are an empty path and a NUL byte;
// - every existing component is resolved with realpath(3) and the result must stay inside the directory's
//   own real path, so a symbolic link (a directory on the way or the file itself) that leads out is refused;
//   a link that stays inside is followed;
// - an output's last component must not be a symbolic link or a directory.
//
// Between the check and the use a component could be swapped for a symbolic link. So files are never
// opened by path: `open` walks the resolved path from the job directory one component at a time with
// openat(2) and O_NOFOLLOW, and a link met on the way fails the open instead of being followed. Outputs are
// written to a temporary name beside the destination (O_CREAT | O_EXCL | O_NOFOLLOW) and renamed in place
// through the same directory descriptor.
import Foundation
import PPRWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The job directory and the one place job paths are resolved.
public struct JobFiles: Equatable, Sendable {
    /// The config key that sets the directory (named in every refusal).
    public static let configKey = "coordinator.jobFilesDir"

    /// The directory as configured (relative paths are relative to the process's working directory).
    public let directory: String

    /// The job directory `directory`; nothing is checked or created until `prepare()`.
    public init(directory: String) { self.directory = directory }

    /// Creates the directory (with its parents) if needed; returns its real path.
    @discardableResult
    public func prepare() throws(JobFilesError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .directory(path: directory, reason: "cannot create it: \(Self.reason(of: error))")
        }
        return try root()
    }

    // MARK: Resolving

    /// The real absolute path of an existing regular file inside the directory, for the parameter `name`.
    public func resolveInput(_ path: String, name: String = "input_path") throws(JobFilesError) -> String {
        let root = try root()
        let candidate = try lexical(path, name: name, root: root)
        guard let real = Self.realPath(candidate) else {
            throw .unusable(name: name, path: path, reason: "no such file in the job directory (\(root))")
        }
        try inside(real, root: root, name: name, path: path)
        guard Self.fileType(real) == S_IFREG else {
            throw .unusable(name: name, path: path, reason: "not a regular file")
        }
        return real
    }

    /// The real absolute path a file output will have: its directory exists inside the job directory, and
    /// the name is neither a symbolic link nor a directory (an existing regular file is replaced).
    public func resolveOutput(_ path: String, name: String = "output_path") throws(JobFilesError) -> String {
        let (resolved, type) = try destination(path, name: name)
        guard type == nil || type == S_IFREG else {
            throw .unusable(
                name: name, path: path, reason: type == S_IFDIR ? "a directory exists there" : "not a regular file")
        }
        return resolved
    }

    /// The real absolute path a directory output (written whole, then renamed into place) will have: its
    /// parent exists inside the job directory, and the name is not a symbolic link or a non-directory.
    public func resolveOutputDirectory(_ path: String, name: String = "output_path") throws(JobFilesError) -> String {
        let (resolved, type) = try destination(path, name: name)
        guard type == nil || type == S_IFDIR else {
            throw .unusable(name: name, path: path, reason: "a file that is not a directory exists there")
        }
        return resolved
    }

    // MARK: Opening

    /// Largest input file a job reads (batch queries, export sources): 256 MiB, tens of millions of sources,
    /// whose parsed form still fits the coordinator's memory several times over. A request names the file,
    /// so without a bound it could make the coordinator read any amount (or a file that keeps growing).
    public static let maxInputBytes = 256 << 20

    /// Reads the whole input `path` (resolved again, opened without following any link), at most
    /// `maxInputBytes`.
    public func readInput(_ path: String, name: String = "input_path") throws(JobFilesError) -> (
        path: String, bytes: [UInt8]
    ) {
        let resolved = try resolveInput(path, name: name)
        let fd = try openBeneath(resolved, flags: O_RDONLY, name: name)
        defer { _ = close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unusable(name: name, path: path, reason: "not a regular file")
        }
        let tooLarge = JobFilesError.unusable(
            name: name, path: path,
            reason: "larger than \(Self.maxInputBytes >> 20) MiB, the most a job reads: split it into several jobs")
        guard status.st_size <= Self.maxInputBytes else { throw tooLarge }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress, raw.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: resolved, operation: "read", reason: Self.errnoText(errno))
            }
            bytes += buffer[0..<count]
            guard bytes.count <= Self.maxInputBytes else { throw tooLarge }  // it grew while being read
        }
        return (resolved, bytes)
    }

    /// Creates `OUTPUT.tmp-<job>` beside the output `path` (resolved again); it becomes `path` on commit.
    public func createOutput(_ path: String, job: UInt64, name: String = "output_path") throws(JobFilesError)
        -> AtomicOutputFile
    {
        let resolved = try resolveOutput(path, name: name)
        let (parent, file) = Self.split(resolved)
        let directoryFD = try openBeneath(parent, flags: O_RDONLY | O_DIRECTORY, name: name)
        let temporary = Self.temporaryName(file, job: job)
        _ = unlinkat(directoryFD, temporary, 0)  // a leftover of an interrupted run of this job
        let fd = openat(directoryFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            _ = close(directoryFD)
            throw .io(path: "\(parent)/\(temporary)", operation: "create", reason: Self.errnoText(code))
        }
        return AtomicOutputFile(
            directoryFD: directoryFD, fd: fd, directory: parent, temporaryName: temporary, name: file)
    }

    /// Creates the directory `OUTPUT.tmp-<job>` beside the directory output `path`; it replaces `path` on commit.
    public func createOutputDirectory(_ path: String, job: UInt64, name: String = "output_path") throws(JobFilesError)
        -> AtomicOutputDirectory
    {
        let resolved = try resolveOutputDirectory(path, name: name)
        let (parent, file) = Self.split(resolved)
        let directoryFD = try openBeneath(parent, flags: O_RDONLY | O_DIRECTORY, name: name)
        let temporary = Self.temporaryName(file, job: job)
        AtomicOutputDirectory.removeTree(at: directoryFD, temporary)
        guard mkdirat(directoryFD, temporary, 0o755) == 0 else {
            let code = errno
            _ = close(directoryFD)
            throw .io(path: "\(parent)/\(temporary)", operation: "mkdir", reason: Self.errnoText(code))
        }
        return AtomicOutputDirectory(directoryFD: directoryFD, directory: parent, temporaryName: temporary, name: file)
    }

    /// Removes what an interrupted run of job `job` left for the output `path` (best effort; nothing outside).
    public func removeLeftovers(output path: String, job: UInt64) {
        guard let resolved = try? destination(path, name: "output_path").path else { return }
        let (parent, file) = Self.split(resolved)
        guard let directoryFD = try? openBeneath(parent, flags: O_RDONLY | O_DIRECTORY, name: "output_path") else {
            return
        }
        defer { _ = close(directoryFD) }
        AtomicOutputDirectory.removeTree(at: directoryFD, Self.temporaryName(file, job: job))
    }

    /// Runs `body`, its JobFilesError as a WireError (WireErrorMapping), for callers that throw WireError.
    public static func wire<R>(_ body: () throws(JobFilesError) -> R) throws(WireError) -> R {
        do { return try body() } catch { throw WireError(from: error) }
    }

    /// The temporary name of job `job`'s output `name`.
    public static func temporaryName(_ name: String, job: UInt64) -> String { "\(name).tmp-\(job)" }

    // MARK: Private

    /// The directory's real path; it must exist.
    private func root() throws(JobFilesError) -> String {
        guard let real = Self.realPath(directory) else {
            throw .directory(path: directory, reason: "does not exist or cannot be resolved: \(Self.errnoText(errno))")
        }
        guard Self.fileType(real) == S_IFDIR else { throw .directory(path: directory, reason: "not a directory") }
        return real
    }

    /// `path` as an absolute path under `root`, after the rules that need no file system.
    private func lexical(_ path: String, name: String, root: String) throws(JobFilesError) -> String {
        let refuse = { (reason: String) in
            JobFilesError.outsideDirectory(name: name, path: path, reason: reason, directory: root)
        }
        guard !path.isEmpty else { throw .unusable(name: name, path: path, reason: "empty path") }
        guard !path.utf8.contains(0) else { throw refuse("a NUL byte is not allowed") }
        guard !path.split(separator: "/").contains("..") else { throw refuse("a '..' component is not allowed") }
        if path.hasPrefix("/") {
            // Lexically inside (the configured or the real spelling of the directory); realpath checks the rest.
            let configured = URL(fileURLWithPath: directory).standardizedFileURL.path
            guard Self.isInside(path, configured) || Self.isInside(path, root) else {
                throw refuse("an absolute path outside the job directory")
            }
            return path
        }
        return root + "/" + path
    }

    /// Throws unless `real` is strictly inside `root`.
    private func inside(_ real: String, root: String, name: String, path: String) throws(JobFilesError) {
        guard Self.isInside(real, root), real != root else {
            throw .outsideDirectory(
                name: name, path: path, reason: "it resolves (through a symbolic link) to \(real), outside",
                directory: root)
        }
    }

    /// The resolved output path and the type of what exists there now (nil: nothing).
    private func destination(_ path: String, name: String) throws(JobFilesError) -> (path: String, type: mode_t?) {
        let root = try root()
        let candidate = try lexical(path, name: name, root: root)
        let trimmed = candidate.hasSuffix("/") ? String(candidate.dropLast()) : candidate
        let (parent, file) = Self.split(trimmed)
        guard !file.isEmpty, file != "." else {
            throw .unusable(name: name, path: path, reason: "names a directory, not a file")
        }
        guard let realParent = Self.realPath(parent) else {
            throw .unusable(
                name: name, path: path, reason: "its directory does not exist in the job directory (\(root))")
        }
        guard Self.isInside(realParent, root) else {
            throw .outsideDirectory(
                name: name, path: path,
                reason: "its directory resolves (through a symbolic link) to \(realParent), outside",
                directory: root)
        }
        guard Self.fileType(realParent) == S_IFDIR else {
            throw .unusable(name: name, path: path, reason: "\(realParent) is not a directory")
        }
        let resolved = realParent == "/" ? "/" + file : realParent + "/" + file
        var status = stat()
        guard lstat(resolved, &status) == 0 else { return (resolved, nil) }
        let type = status.st_mode & S_IFMT
        if type == S_IFLNK {
            throw .outsideDirectory(
                name: name, path: path, reason: "it is a symbolic link (an output is never written through one)",
                directory: root)
        }
        return (resolved, type)
    }

    /// Opens `resolved` (a real path inside the job directory) component by component without following links.
    private func openBeneath(_ resolved: String, flags: Int32, name: String) throws(JobFilesError) -> Int32 {
        let root = try root()
        guard Self.isInside(resolved, root) else {
            throw .outsideDirectory(name: name, path: resolved, reason: "outside", directory: root)
        }
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .directory(path: root, reason: Self.errnoText(errno)) }
        let components = resolved.dropFirst(root.count).split(separator: "/").map(String.init)
        for (index, component) in components.enumerated() {
            let last = index == components.count - 1
            let next = openat(fd, component, (last ? flags : O_RDONLY | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            _ = close(fd)
            guard next >= 0 else {
                if code == ELOOP || code == ENOTDIR {
                    throw .outsideDirectory(
                        name: name, path: resolved, reason: "a component became a symbolic link while the job waited",
                        directory: root)
                }
                throw .io(path: resolved, operation: "open", reason: Self.errnoText(code))
            }
            fd = next
        }
        return fd
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let parent = String(path[..<slash])
        return (parent.isEmpty ? "/" : parent, String(path[path.index(after: slash)...]))
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func fileType(_ path: String) -> mode_t? {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & S_IFMT : nil
    }

    /// A path for an error message: control characters escaped, at most 200 characters.
    static func quoted(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 200 ? out + "…" : out
    }

    /// errno as text; ENOSPC and EDQUOT say "disk full" and what to do.
    static func errnoText(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT:
            "disk full (\(String(cString: strerror(code)))): free space on the file system of the job directory"
        default: String(cString: strerror(code))
        }
    }

    private static func reason(of error: any Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain
        {
            return errnoText(Int32(posix.code))
        }
        return error.localizedDescription
    }
}
