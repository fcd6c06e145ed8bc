// The block request's deadline grows with the graph (BatchExecutor.blockDeadline): a fixed 30 s made every
// batch and export job fail on R-MAT scale 20 on the shared 2-core host.
import Testing

@testable import PPRService

@Test func blockDeadlineGrowsWithTheGraphsEdges() {
    // soc-Slashdot0902 (948,464 edges) and smaller graphs keep fifteen combine deadlines.
    #expect(BatchExecutor.blockDeadline(combineMillis: 2_000, edgeCount: 948_464) == .seconds(30))
    #expect(BatchExecutor.blockDeadline(combineMillis: 2_000, edgeCount: 1) == .seconds(30))
    // R-MAT scale 20 (16,085,066 edges: 8 steps of 2 Mi) and 22 (65,243,497: 32 steps).
    #expect(BatchExecutor.blockDeadline(combineMillis: 2_000, edgeCount: 16_085_066) == .seconds(240))
    #expect(BatchExecutor.blockDeadline(combineMillis: 2_000, edgeCount: 65_243_497) == .seconds(960))
    // The configured combine deadline still scales it.
    #expect(BatchExecutor.blockDeadline(combineMillis: 100, edgeCount: 4_194_304) == .seconds(3))
}
