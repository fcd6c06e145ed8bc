// JobSpecError: why a submitted job's parameters were refused (JobSettings.resolve). A domain error like
// any other; WireErrorMapping gives its code (INVALID_ARGUMENT, or the job-directory error's own).

/// A job specification that cannot run; each case names the parameter at fault.
public enum JobSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter outside `EngineLimits` (or not one of the allowed names).
    case invalidParameter(name: String, value: String, expected: String)
    /// The walk parameters of an index job are out of range.
    case indexWalk(String)
    /// A file or directory parameter is refused by the job directory.
    case files(JobFilesError)
    /// A batch-query job's output would overwrite its input.
    case outputIsInput(String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let expected): "invalid \(name) \(value): expected \(expected)"
        case .indexWalk(let reason): "index job: \(reason)"
        case .files(let error): error.description
        case .outputIsInput(let output): "invalid output_path \(output): same file as input_path"
        }
    }
}
