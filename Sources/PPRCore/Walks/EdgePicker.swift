/// How a walk step turns its 64-bit draw into the out-edge it moves along (DESIGN §1).
///
/// The lane loops of `FingerprintWalker` are generic over the picker and specialised for each, so the
/// choice between unweighted and weighted walking is made once per call, never per step. A step's
/// draw has already decided that the walk goes on; its low 32 bits are then uniform to within 2^-32.
protocol EdgePicker {
    /// What a lane carries from its step pass (draw → pick) to its fetch pass (pick → vertex).
    associatedtype Pick: BitwiseCopyable
    /// A pick whose `target` is in bounds on any graph with an edge (lanes start with it).
    static var idle: Pick { get }
    /// The pick at a vertex whose edges are `start ..< start + degree`; `keep` is all ones when the walk
    /// moves and 0 when it ends (the pick must then read edge 0, which exists).
    static func pick(start: UInt64, degree: UInt64, draw: UInt64, keep: UInt64) -> Pick
    /// The vertex a pick moves to; `table` is the picker's per-edge table (empty for `UniformPicker`).
    static func target(of pick: Pick, targets: Span<VertexIndex>, table: Span<UInt64>) -> VertexIndex
}

/// Unweighted: the draw's low 32 bits, scaled by the degree (Lemire's multiply-shift), pick the edge.
enum UniformPicker: EdgePicker {
    static var idle: UInt64 { 0 }

    @inline(__always)
    static func pick(start: UInt64, degree: UInt64, draw: UInt64, keep: UInt64) -> UInt64 {
        (start &+ (((draw & 0xFFFF_FFFF) &* degree) >> 32)) & keep
    }

    @inline(__always)
    static func target(of pick: UInt64, targets: Span<VertexIndex>, table: Span<UInt64>) -> VertexIndex {
        targets[unchecked: Int(truncatingIfNeeded: pick)]
    }
}

/// Weighted, by alias table (`AliasTable` entries in `table`): the multiply-shift picks a column as in
/// the unweighted step, and the product's low 32 bits, uniform over the column to within `degree * 2^-32`,
/// are the coin that chooses between the column's own target and its alias. No branch, and the two
/// loads of the fetch pass (entry and own target) are independent.
enum AliasPicker: EdgePicker {
    struct Pick: BitwiseCopyable {
        var edge: UInt64
        var coin: UInt64
    }

    static var idle: Pick { Pick(edge: 0, coin: 0) }

    @inline(__always)
    static func pick(start: UInt64, degree: UInt64, draw: UInt64, keep: UInt64) -> Pick {
        let product = (draw & 0xFFFF_FFFF) &* degree
        return Pick(edge: (start &+ (product >> 32)) & keep, coin: product & 0xFFFF_FFFF)
    }

    @inline(__always)
    static func target(of pick: Pick, targets: Span<VertexIndex>, table: Span<UInt64>) -> VertexIndex {
        let entry = table[unchecked: Int(truncatingIfNeeded: pick.edge)]
        let own = targets[unchecked: Int(truncatingIfNeeded: pick.edge)]
        let alias = VertexIndex(truncatingIfNeeded: entry >> 32)
        let keepsOwn = Pending.borrow(pick.coin, entry & 0xFFFF_FFFF)
        return alias ^ ((own ^ alias) & VertexIndex(truncatingIfNeeded: 0 &- keepsOwn))
    }
}
