// Outputs of jobs that appear whole or not at all, inside the job directory (see JobFiles.swift).
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A temporary file inside the job directory that becomes its destination atomically, or disappears.
public final class AtomicOutputFile: @unchecked Sendable {
    // Safety (@unchecked Sendable): the descriptors are owned and used by one job at a time (the job's
    // sequential code); they are closed exactly once, by commit/discard or deinit.

    /// The destination's directory (real path).
    public let directory: String
    /// Name of the temporary file in `directory`.
    public let temporaryName: String
    /// Name of the destination in `directory`.
    public let name: String
    private var directoryFD: Int32
    private var fd: Int32

    init(directoryFD: Int32, fd: Int32, directory: String, temporaryName: String, name: String) {
        self.directoryFD = directoryFD
        self.fd = fd
        self.directory = directory
        self.temporaryName = temporaryName
        self.name = name
    }

    deinit { closeAll() }

    /// The temporary file's path.
    public var temporaryPath: String { "\(directory)/\(temporaryName)" }
    /// The destination's path.
    public var destination: String { "\(directory)/\(name)" }

    /// Appends `text`.
    public func write(_ text: String) throws(JobFilesError) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            // `bytes` is not empty here, so the base address is not nil.
            let count = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress?.advanced(by: written), raw.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: temporaryPath, operation: "write", reason: JobFiles.errnoText(errno))
            }
            written += count
        }
    }

    /// Fsyncs and closes the temporary file, renames it over the destination, then fsyncs the directory.
    public func commit() throws(JobFilesError) {
        guard fsync(fd) == 0 else {
            throw .io(path: temporaryPath, operation: "fsync", reason: JobFiles.errnoText(errno))
        }
        let closed = Glibc.close(fd)
        fd = -1
        guard closed == 0 else { throw .io(path: temporaryPath, operation: "close", reason: JobFiles.errnoText(errno)) }
        guard renameat(directoryFD, temporaryName, directoryFD, name) == 0 else {
            throw .io(path: temporaryPath, operation: "rename to \(name)", reason: JobFiles.errnoText(errno))
        }
        _ = fsync(directoryFD)  // makes the rename durable; best effort (some file systems refuse)
        closeAll()
    }

    /// Closes and removes the temporary file (after a failure or a cancel).
    public func discard() {
        if directoryFD >= 0 { _ = unlinkat(directoryFD, temporaryName, 0) }
        closeAll()
    }

    private func closeAll() {
        if fd >= 0 { _ = Glibc.close(fd) }
        if directoryFD >= 0 { _ = Glibc.close(directoryFD) }
        fd = -1
        directoryFD = -1
    }
}

/// A temporary directory inside the job directory that replaces its destination whole, or disappears.
///
/// The job writes files into `temporaryPath` (a directory it just created, inside the job directory);
/// `commit` moves any existing destination aside, renames the temporary directory into place and removes
/// the old one, so readers see the old directory or the new one, never a mix.
public final class AtomicOutputDirectory: @unchecked Sendable {
    // Safety (@unchecked Sendable): as AtomicOutputFile: one owner, the descriptor closed once.

    public let directory: String
    public let temporaryName: String
    public let name: String
    private var directoryFD: Int32

    init(directoryFD: Int32, directory: String, temporaryName: String, name: String) {
        self.directoryFD = directoryFD
        self.directory = directory
        self.temporaryName = temporaryName
        self.name = name
    }

    deinit { if directoryFD >= 0 { _ = Glibc.close(directoryFD) } }

    /// The directory to write into.
    public var temporaryPath: String { "\(directory)/\(temporaryName)" }
    /// Where it ends up.
    public var destination: String { "\(directory)/\(name)" }

    /// Puts the temporary directory in place of the destination (the old one, if any, is removed).
    public func commit() throws(JobFilesError) {
        let aside = "\(name).old-\(temporaryName.split(separator: "-").last ?? "")"
        var status = stat()
        let exists = fstatat(directoryFD, name, &status, AT_SYMLINK_NOFOLLOW) == 0
        if exists {
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw .unusable(name: "output_path", path: destination, reason: "not a directory")
            }
            Self.removeTree(at: directoryFD, aside)
            guard renameat(directoryFD, name, directoryFD, aside) == 0 else {
                throw .io(path: destination, operation: "rename aside", reason: JobFiles.errnoText(errno))
            }
        }
        guard renameat(directoryFD, temporaryName, directoryFD, name) == 0 else {
            let code = errno
            if exists { _ = renameat(directoryFD, aside, directoryFD, name) }
            throw .io(path: temporaryPath, operation: "rename to \(name)", reason: JobFiles.errnoText(code))
        }
        _ = fsync(directoryFD)
        if exists { Self.removeTree(at: directoryFD, aside) }
        _ = Glibc.close(directoryFD)
        directoryFD = -1
    }

    /// Removes the temporary directory (after a failure or a cancel).
    public func discard() {
        guard directoryFD >= 0 else { return }
        Self.removeTree(at: directoryFD, temporaryName)
        _ = Glibc.close(directoryFD)
        directoryFD = -1
    }

    /// Removes `name` in the directory `parentFD` (a file, or a directory and its contents), never following links.
    static func removeTree(at parentFD: Int32, _ name: String) {
        var status = stat()
        guard fstatat(parentFD, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            _ = unlinkat(parentFD, name, 0)
            return
        }
        let fd = openat(parentFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0, let stream = fdopendir(fd) else {
            if fd >= 0 { _ = Glibc.close(fd) }
            return
        }
        var children: [String] = []
        while let entry = readdir(stream) {
            let child = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if child != "." && child != ".." { children.append(child) }
        }
        for child in children { removeTree(at: dirfd(stream), child) }
        closedir(stream)
        _ = unlinkat(parentFD, name, AT_REMOVEDIR)
    }
}
