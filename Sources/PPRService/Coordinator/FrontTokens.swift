// FrontTokens: the bearer tokens of the client front (security.tokensFile) and who may call what.
// Tokens are compared in constant time and never logged or echoed in an error.
import Foundation
import PPRWire

/// The front's tokens file: lines `ROLE TOKEN` with roles `query` and `admin`.
///
/// Blank lines and lines starting with `#` are ignored. A token is at least 16 characters without
/// spaces; the same token may not appear twice. Queries, job reads and status need `query` or
/// `admin`; submitting and cancelling jobs need `admin`.
public struct FrontTokens: Sendable {
    /// What a token may do.
    public enum Role: String, Sendable, CaseIterable {
        /// Queries, batch queries, job reads, cluster status.
        case query
        /// Everything `query` may, plus job submission and cancellation.
        case admin
    }

    /// Shortest token accepted (a guessable token would defeat the check).
    public static let minimumTokenLength = 16

    private let entries: [(token: [UInt8], role: Role)]

    /// Parses a tokens file's text; `origin` names it in errors (which never quote a token).
    public init(text: String, origin: String) throws(FrontAccessError) {
        var entries: [(token: [UInt8], role: Role)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let place = "\(origin) line \(number + 1)"
            guard fields.count == 2 else {
                throw .tokensFile(place: place, reason: "expected 'ROLE TOKEN' (roles: query, admin)")
            }
            guard let role = Role(rawValue: String(fields[0])) else {
                throw .tokensFile(place: place, reason: "unknown role '\(fields[0])' (roles: query, admin)")
            }
            let token = Array(fields[1].utf8)
            guard token.count >= Self.minimumTokenLength else {
                throw .tokensFile(place: place, reason: "a token needs at least \(Self.minimumTokenLength) characters")
            }
            guard !entries.contains(where: { Self.constantTimeEqual($0.token, token) }) else {
                throw .tokensFile(place: place, reason: "the token appears twice")
            }
            entries.append((token, role))
        }
        guard !entries.isEmpty else { throw .tokensFile(place: origin, reason: "no tokens") }
        self.entries = entries
    }

    /// Reads the tokens file at `path`.
    public init(path: String) throws(FrontAccessError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw .tokensFile(place: path, reason: "cannot be read")
        }
        try self.init(text: text, origin: path)
    }

    /// The role of `token`, or `nil` for an unknown one. Every entry is compared, each in constant
    /// time, so the time taken does not depend on which entry (or which byte) matches.
    public func role(of token: String) -> Role? {
        let candidate = Array(token.utf8)
        var found: Role?
        for entry in entries where Self.constantTimeEqual(entry.token, candidate) { found = entry.role }
        return found
    }

    /// Whether a request of `method` with `token` may proceed; the refusal if not.
    public func authorize(_ method: WireMethod, token: String?) -> FrontAccessError? {
        guard let token, !token.isEmpty else { return .missingToken }
        guard let role = role(of: token) else { return .unknownToken }
        guard role == .admin || Self.requiredRole(for: method) == .query else {
            return .roleNotAllowed(method: method, role: role.rawValue)
        }
        return nil
    }

    /// The least role that may call `method`.
    public static func requiredRole(for method: WireMethod) -> Role {
        switch method {
        case .query, .batchQuery, .getJob, .listJobs, .clusterStatus: .query
        default: .admin  // job submission and cancellation; worker methods are refused by the handler anyway
        }
    }

    /// Byte-wise equality whose running time depends only on the lengths, not on where bytes differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        let count = max(a.count, b.count)
        for i in 0..<count {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
