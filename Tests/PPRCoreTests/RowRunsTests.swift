import Testing

@testable import PPRCore

/// `RowRuns` (per-lane sums of 16-lane Float rows, summed in Float over runs and widened per run) against
/// per-row Double sums, across run boundaries.
@Suite struct RowRunsTests {
    /// Rows of non-negative values spanning several magnitudes, lane `j` of row `i` a fixed function of both.
    static func row(_ i: Int) -> SIMD16<Float> {
        var row = SIMD16<Float>()
        for lane in 0..<16 {
            let mixed = UInt32(truncatingIfNeeded: (i &* 2_654_435_761) ^ (lane &* 40_503))
            row[lane] = Float(mixed % 10_000) * Float(1 << (lane % 5)) * 1e-7
        }
        return row
    }

    /// Within `length * 2^-24` of the exact Double sum of the Float rows (non-negative values), for counts
    /// before, at and after run boundaries; the same rows in the same order give the same bits.
    @Test(arguments: [0, 1, 63, 64, 65, 128, 1000, 4097])
    func sumsStayWithinTheDocumentedRounding(count: Int) {
        var runs = RowRuns()
        var exact = SIMD16<Double>()
        for i in 0..<count {
            let row = Self.row(i)
            runs.add(row)
            for lane in 0..<16 { exact[lane] += Double(row[lane]) }
        }
        let total = runs.total
        for lane in 0..<16 {
            let bound = Double(RowRuns.length) * 0x1p-24 * exact[lane]
            #expect(abs(total[lane] - exact[lane]) <= bound, "lane \(lane), \(count) rows")
            if count == 0 { #expect(total[lane] == 0) }
        }
        var again = RowRuns()
        for i in 0..<count { again.add(Self.row(i)) }
        #expect(again.total == total)
        // Reading the total does not end the current run: adding after it gives the same sum as without.
        var split = RowRuns()
        for i in 0..<count {
            split.add(Self.row(i))
            if i == count / 2 { _ = split.total }
        }
        #expect(split.total == total)
    }
}
