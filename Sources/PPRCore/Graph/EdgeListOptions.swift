/// What an edge list's columns mean: whether to read weights and, for CSV, which header names to use.
public struct EdgeListOptions: Sendable, Equatable {
    /// Read a positive finite weight per edge (SNAP: the third column; CSV: the weight column).
    public var weighted: Bool
    /// CSV: the header name of the source column (default: `src` or `source`).
    public var sourceColumn: String?
    /// CSV: the header name of the target column (default: `dst`, `target` or `destination`).
    public var targetColumn: String?
    /// CSV: the header name of the weight column when `weighted` (default: `weight`).
    public var weightColumn: String?

    public init(
        weighted: Bool = false, sourceColumn: String? = nil, targetColumn: String? = nil, weightColumn: String? = nil
    ) {
        self.weighted = weighted
        self.sourceColumn = sourceColumn
        self.targetColumn = targetColumn
        self.weightColumn = weightColumn
    }

    /// Header names accepted for the source column, lowercased.
    var sourceNames: [String] { sourceColumn.map { [$0.lowercased()] } ?? ["src", "source"] }
    /// Header names accepted for the target column, lowercased.
    var targetNames: [String] { targetColumn.map { [$0.lowercased()] } ?? ["dst", "target", "destination"] }
    /// The header name of the weight column, lowercased.
    var weightName: String { (weightColumn ?? "weight").lowercased() }

    /// Whether any CSV-only column name was chosen (refused for SNAP input, which has no header).
    public var namesColumns: Bool { sourceColumn != nil || targetColumn != nil || weightColumn != nil }
}
