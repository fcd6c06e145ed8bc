/// Lets the coordinator options come before the subcommand, as in `pwctl --coordinator URL query ...`.
///
/// ArgumentParser only accepts an option on the command that declares it, and `--coordinator`,
/// `--timeout-ms`, `--tls-ca`, `--tls-cert`, `--tls-key` and `--token-file` belong to each wire command (`CoordinatorOptions`). Operators and scripts write them
/// first, like a global flag, so they are moved to just before a `--` terminator (or the end): the leaf
/// command then parses them as usual. Everything else keeps its order.
public enum PwctlArguments {
    /// Options that may stand before the subcommand; each takes one value.
    static let leadingOptions: Set<String> = [
        "--coordinator", "--timeout-ms", "--tls-ca", "--tls-cert", "--tls-key", "--token-file",
    ]

    /// `arguments` without the program name, with leading coordinator options moved after the subcommand.
    public static func normalized(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var rest = ArraySlice(arguments)
        while let first = rest.first, first.hasPrefix("--") {
            let name = String(first.split(separator: "=", maxSplits: 1)[0])
            guard leadingOptions.contains(name) else { break }
            rest = rest.dropFirst()
            moved.append(first)
            if !first.contains("="), let value = rest.first {
                moved.append(value)
                rest = rest.dropFirst()
            }
        }
        guard !moved.isEmpty else { return arguments }
        var result = Array(rest)
        let terminator = result.firstIndex(of: "--") ?? result.endIndex
        result.insert(contentsOf: moved, at: terminator)
        return result
    }
}
