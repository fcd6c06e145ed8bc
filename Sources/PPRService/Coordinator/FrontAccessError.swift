// FrontAccessError: why the client front refuses a request before the coordinator sees it (tokens,
// the reply-size cap) or cannot start (a bad tokens file). Mapped to wire codes in WireErrorMapping.
import PPRWire

/// A refusal of the front; never quotes a token.
public enum FrontAccessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The front requires a token and the request carried none (UNAUTHENTICATED).
    case missingToken
    /// The request's token is not in the tokens file (UNAUTHENTICATED).
    case unknownToken
    /// The token's role may not call `method` (PERMISSION_DENIED).
    case roleNotAllowed(method: WireMethod, role: String)
    /// A batch could return more ranked vertices than `limit` (RESOURCE_EXHAUSTED).
    case replyTooLarge(queries: Int, limit: Int)
    /// The tokens file is unusable: `place` names the file (and line), `reason` what is wrong (INVALID_ARGUMENT).
    case tokensFile(place: String, reason: String)

    public var description: String {
        switch self {
        case .missingToken: "this front requires a token (pwctl --token-file or $PWCTL_TOKEN_FILE)"
        case .unknownToken: "the token is not valid"
        case .roleNotAllowed(let method, let role): "\(method) needs an admin token; this one has role \(role)"
        case .replyTooLarge(let queries, let limit):
            "a batch of \(queries) queries could return more than \(limit) ranked vertices "
                + "(limits.maxReplyEntries: the sum of min(top_k, vertex count)); split it or lower top_k"
        case .tokensFile(let place, let reason): "security.tokensFile \(place): \(reason)"
        }
    }
}
