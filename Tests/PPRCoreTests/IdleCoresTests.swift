import Foundation
import PPRCore
import Synchronization
import Testing

/// `IdleCores`: helpers are lent only while a core is free (by the busy count and the host's answer), every
/// part of `forEach` runs exactly once whether helpers start or not, and an expand step whose helpers come
/// from it gives the one-thread answer bit for bit.
@Suite struct IdleCoresTests {
    /// Lends on Dispatch's global queue while fewer than `cores` threads are busy.
    static func cores(_ count: Int, hostIdle: @escaping @Sendable () -> Bool = { true }) -> IdleCores {
        IdleCores(cores: count, hostIdle: hostIdle) { job in DispatchQueue.global().async(execute: job) }
    }

    /// Waits (at most 5 s) until `condition` holds; returns whether it did.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(5)
        while !condition() {
            if Date() > end { return false }
            usleep(1_000)
        }
        return true
    }

    @Test func aHelperIsLentOnlyWhileACoreIsFree() {
        let cores = Self.cores(2)
        let release = Atomic<Bool>(false)
        let ran = Atomic<Int>(0)
        let job: @Sendable () -> Void = {
            ran.add(1, ordering: .relaxed)
            let end = Date().addingTimeInterval(5)
            while !release.load(ordering: .acquiring), Date() < end { usleep(500) }
        }
        cores.working {
            #expect(cores.busyThreads == 1)
            #expect(cores.lend(job))  // the second core was free
            #expect(!cores.lend(job))  // both are busy now: the job is dropped
            #expect(cores.busyThreads == 2)
            release.store(true, ordering: .releasing)
        }
        #expect(Self.eventually { cores.busyThreads == 0 }, "a helper that returned still counts as busy")
        #expect(ran.load(ordering: .relaxed) == 1)
        #expect(cores.helpersLent == 1)
    }

    @Test func theHostCanRefuseAndNeverLendsNothing() {
        let refusing = Self.cores(8, hostIdle: { false })
        #expect(!refusing.lend {})
        // Not asking the host (the coordinator's steps): lent while a core of the process is free.
        #expect(refusing.lend(askingHost: false) {})
        #expect(!IdleCores.never.lend(askingHost: false) {})
        #expect(!IdleCores.never.lend {})
        #expect(IdleCores.never.helpersLent == 0)
    }

    /// Every part once, for any part and helper count, with helpers lent, refused, or started late.
    @Test(arguments: [0, 1, 3])
    func forEachRunsEveryPartOnce(helpers: Int) {
        let lenders = [
            Self.cores(64), IdleCores.never,
            IdleCores(cores: 64) { job in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(2), execute: job)
            },
        ]
        for (l, cores) in lenders.enumerated() {
            for parts in [1, 2, 5, 64] {
                let box = PartCounts(parts)
                cores.forEach(parts: parts, helpers: helpers) { part in
                    box.counts.withLock { $0[part] += 1 }
                    usleep(100)  // long enough for a helper to take some parts
                }
                #expect(
                    box.counts.withLock { $0 } == [Int](repeating: 1, count: parts),
                    "lender \(l), \(parts) parts, \(helpers) helpers")
            }
            #expect(Self.eventually { cores.busyThreads == 0 }, "lender \(l)")
        }
    }

    /// The coordinator's expand threads: helpers from an `IdleCores` (lent, or refused) give one thread's bits.
    @Test func expandWithLentHelpersMatchesOneThread() throws {
        let vertices = 6_000
        let graph = ExpandReferenceTests.randomGraph(vertices: vertices, maxDegree: 40, seed: 11)
        let bands = TargetBands(graph: graph)
        let lending = Self.cores(64)
        var one = Decomposition(graph: graph)
        var helped = Decomposition(graph: graph, threads: lending.pushThreads(count: 2), bands: bands)
        var refused = Decomposition(graph: graph, threads: lending.pushThreads(count: 2) { false }, bands: bands)
        var random = ExpandReferenceTests.Random(state: 9)
        for query in 0..<8 {
            let p = Personalization(source: VertexIndex(random.below(vertices)))
            let eps = query % 2 == 0 ? 1e-5 : 1e-4
            let expected = try one.expand(personalization: p, restartProbability: 0.15, eps: eps, maxLevels: 30)
            let a = try helped.expand(personalization: p, restartProbability: 0.15, eps: eps, maxLevels: 30)
            let b = try refused.expand(personalization: p, restartProbability: 0.15, eps: eps, maxLevels: 30)
            ExpandReferenceTests.expectIdentical(a, expected, "helped, query \(query)")
            ExpandReferenceTests.expectIdentical(b, expected, "refused, query \(query)")
        }
        #expect(lending.helpersLent > 0)
        #expect(Self.eventually { lending.busyThreads == 0 })
    }

    /// `coordinator.stepHelpers: always`: the helpers start even when every core is busy and the host refuses,
    /// count busy while they run (so a loan made meanwhile is refused), and the expand gives one thread's bits.
    @Test func unconditionalHelpersStartUnderLoadAndMatchOneThread() throws {
        let vertices = 6_000
        let graph = ExpandReferenceTests.randomGraph(vertices: vertices, maxDegree: 40, seed: 12)
        let busyHost = Self.cores(1, hostIdle: { false })
        var one = Decomposition(graph: graph)
        var forced = Decomposition(
            graph: graph, threads: busyHost.unconditionalPushThreads(count: 2), bands: TargetBands(graph: graph))
        var random = ExpandReferenceTests.Random(state: 5)
        try busyHost.working {
            #expect(!busyHost.lend(askingHost: false) {})  // the one core is busy
            for query in 0..<4 {
                let p = Personalization(source: VertexIndex(random.below(vertices)))
                let expected = try one.expand(personalization: p, restartProbability: 0.15, eps: 1e-5, maxLevels: 30)
                let got = try forced.expand(personalization: p, restartProbability: 0.15, eps: 1e-5, maxLevels: 30)
                ExpandReferenceTests.expectIdentical(got, expected, "forced helpers, query \(query)")
            }
        }
        #expect(busyHost.helpersLent > 0)
        #expect(Self.eventually { busyHost.busyThreads == 0 }, "a forced helper that returned still counts as busy")
    }
}

/// Runs per part, shared with the helper threads of a `forEach`.
private final class PartCounts: Sendable {
    let counts: Mutex<[Int]>
    init(_ parts: Int) { counts = Mutex([Int](repeating: 0, count: parts)) }
}
