import Foundation

/// Fixed-width `Label: value` lines, the text output of every pwctl command.
enum LabeledLines {
    static func format(_ rows: [(String, String)]) -> String {
        let width = (rows.map(\.0.count).max() ?? 0) + 2
        return rows.map { label, value in (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value }
            .joined(separator: "\n")
    }
}

/// One-line JSON with sorted keys, the `--json` output of every pwctl command. Keys are snake_case: a
/// property without an explicit coding key is converted (`selfLoops` → `self_loops`).
enum JSONOutput {
    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encoded(value, snakeCase: true), as: UTF8.self)
    }

    /// `string(value)` plus, for each key that snake_case renamed, the same value under its old camelCase
    /// name: the deprecated aliases `ingest --json` and `index --json` keep for one release.
    ///
    /// `value` must encode as a JSON object.
    static func stringWithCamelCaseAliases(_ value: some Encodable) throws -> String {
        let decoder = JSONDecoder()
        let snake = try decoder.decode([String: JSONValue].self, from: try encoded(value, snakeCase: true))
        let camel = try decoder.decode([String: JSONValue].self, from: try encoded(value, snakeCase: false))
        // The merged keys are final: encoded without the conversion, which would fold the aliases back.
        return String(decoding: try encoded(snake.merging(camel) { kept, _ in kept }, snakeCase: false), as: UTF8.self)
    }

    private static func encoded(_ value: some Encodable, snakeCase: Bool) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return try encoder.encode(value)
    }
}

/// Any JSON value, read back exactly as it was written (integers stay integers), so that an object can be
/// re-encoded with extra keys without changing how its numbers print.
enum JSONValue: Codable, Equatable {
    case integer(Int64)
    case unsigned(UInt64)
    case number(Double)
    case bool(Bool)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .unsigned(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}
