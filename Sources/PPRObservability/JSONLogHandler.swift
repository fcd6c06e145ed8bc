// JSONLogHandler: `--log-format json`. One JSON object per line on stderr:
//   {"timestamp":"2026-11-30T15:20:01.123Z","level":"info","label":"powerwalk.worker",
//    "message":"worker serving","metadata":{"shard":"0","url":"tcp://…"}}
// Metadata values are flattened to strings (lists and dictionaries as JSON arrays and objects).
// Nothing here adds fields of its own: what is logged is what the code passes, and the code never
// passes secrets (tokens, keys) as messages or metadata.
import Foundation
import Logging
import PPRCore
import Synchronization

/// How `powerwalkd` writes its log lines.
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's default stream format (human-readable).
    case text
    /// One JSON object per line.
    case json
}

/// A swift-log handler writing one JSON object per line to a file handle (stderr by default).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: LineSink

    /// A handler for `label` writing to stderr.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label, sink: .standardError)
    }

    init(label: String, sink: LineSink) {
        self.label = label
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        sink.write(
            Self.line(
                timestamp: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    /// The JSON line (with its newline) for one event.
    static func line(
        timestamp: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata
    ) -> String {
        var out = "{\"timestamp\":"
        appendString(timestampText(timestamp), to: &out)
        out += ",\"level\":"
        appendString(level.rawValue, to: &out)
        out += ",\"label\":"
        appendString(label, to: &out)
        out += ",\"message\":"
        appendString(message, to: &out)
        out += ",\"metadata\":"
        appendObject(metadata, to: &out)
        out += "}\n"
        return out
    }

    private static func appendObject(_ metadata: Logger.Metadata, to out: inout String) {
        out += "{"
        for (i, key) in metadata.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            appendValue(metadata[key]!, to: &out)
        }
        out += "}"
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .stringConvertible(let convertible): appendString(convertible.description, to: &out)
        case .dictionary(let nested): appendObject(nested, to: &out)
        case .array(let values):
            out += "["
            for (i, element) in values.enumerated() {
                if i > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        }
    }

    /// A JSON string literal (the one escaping rule, `JSONString`).
    static func appendString(_ text: String, to out: inout String) { JSONString.append(text, to: &out) }

    /// ISO 8601 in UTC with milliseconds.
    private static func timestampText(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }
}

/// Where JSON lines go: whole lines, one write each, serialized so lines never interleave.
final class LineSink: Sendable {
    private let handle: Mutex<FileHandle>

    static let standardError = LineSink(FileHandle.standardError)

    init(_ handle: FileHandle) { self.handle = Mutex(handle) }

    func write(_ line: String) {
        handle.withLock { $0.write(Data(line.utf8)) }
    }
}

extension LogFormat {
    /// Bootstraps swift-log for the process with this format on stderr. Call once per process.
    public func bootstrap() {
        switch self {
        case .text: LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        case .json: LoggingSystem.bootstrap { JSONLogHandler.standardError(label: $0) }
        }
    }

    /// A handler of this format for `label` (for loggers made with an explicit factory).
    public func handler(label: String) -> any LogHandler {
        switch self {
        case .text: StreamLogHandler.standardError(label: label)
        case .json: JSONLogHandler.standardError(label: label)
        }
    }
}
