// JobFilesError: why a job file was refused (the rules are in JobFiles.swift).
/// Why a job file was refused or could not be used; INVALID_ARGUMENT or an I/O error (WireErrorMapping).
public enum JobFilesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameter `name` has `path`, which breaks a rule of the job directory `directory`.
    case outsideDirectory(name: String, path: String, reason: String, directory: String)
    /// The parameter names something that is not usable (missing, not a regular file, a directory).
    case unusable(name: String, path: String, reason: String)
    /// The job directory itself cannot be created or opened.
    case directory(path: String, reason: String)
    /// A system call on a job file failed (`reason` from errno; "disk full" for ENOSPC).
    case io(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case .outsideDirectory(let name, let path, let reason, let directory):
            "invalid \(name) '\(JobFiles.quoted(path))': \(reason); job files are read and written only inside "
                + "\(JobFiles.configKey) (\(directory)), named relative to it"
        case .unusable(let name, let path, let reason): "invalid \(name) '\(JobFiles.quoted(path))': \(reason)"
        case .directory(let path, let reason): "job directory \(path) (\(JobFiles.configKey)): \(reason)"
        case .io(let path, let operation, let reason): "\(operation) \(path): \(reason)"
        }
    }
}
