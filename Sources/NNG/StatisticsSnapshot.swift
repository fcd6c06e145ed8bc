// StatisticsSnapshot: nng's statistics of one listener or dialer, found by id (Listener, Dialer).
internal import CNNG

/// Reads nng's statistics (a snapshot of the whole process's tree, freed after use).
enum StatisticsSnapshot {
    /// `body` over a fresh snapshot; nil when nng keeps no statistics.
    static func read<T>(_ body: (OpaquePointer) -> T?) -> T? {
        var snapshot: OpaquePointer?
        guard nng_stats_get(&snapshot) == 0, let snapshot else { return nil }
        defer { nng_stats_free(snapshot) }
        return body(snapshot)
    }

    /// The scope `name` ("listener", "dialer") whose "id" is `id` in `tree`, depth first. Not
    /// `nng_stat_find_listener`/`_dialer`: in nng 1.5.2 their search below the top level matches by name
    /// only, so they return the process's first listener (or dialer), whichever was asked for.
    static func scope(named name: String, id: UInt64, in tree: OpaquePointer) -> OpaquePointer? {
        if nng_stat_type(tree) == CInt(NNG_STAT_SCOPE.rawValue), String(cString: nng_stat_name(tree)) == name {
            var child = nng_stat_child(tree)
            while let stat = child {
                if String(cString: nng_stat_name(stat)) == "id" { return nng_stat_value(stat) == id ? tree : nil }
                child = nng_stat_next(stat)
            }
            return nil
        }
        var child = nng_stat_child(tree)
        while let stat = child {
            if let found = scope(named: name, id: id, in: stat) { return found }
            child = nng_stat_next(stat)
        }
        return nil
    }

    /// The value of the statistic `name` within `scope` (0 when absent).
    static func value(_ name: String, in scope: OpaquePointer) -> UInt64 {
        nng_stat_find(scope, name).map { nng_stat_value($0) } ?? 0
    }

    /// The sum of the statistics `names` within `scope`.
    static func sum(_ names: [String], in scope: OpaquePointer) -> UInt64 {
        names.reduce(0) { $0 &+ value($1, in: scope) }
    }
}
