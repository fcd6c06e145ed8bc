// ProgressBar: a one-line progress display for long jobs (index builds) on stderr.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Draws `[#####.....] 45% 12,345/82,168 vertices  3.1 M steps/s  ETA 0:12` on stderr.
///
/// Only when stderr is a terminal (so logs and pipes stay clean), and at most ~10 times a second.
public struct ProgressBar {
    /// What is counted, e.g. "vertices".
    public let unit: String
    /// Characters between the brackets.
    public let width: Int
    private let isEnabled: Bool
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant?
    private var drewSomething = false

    /// A bar that draws only if stderr is a terminal (or `force`).
    public init(unit: String = "vertices", width: Int = 30, force: Bool = false) {
        self.unit = unit
        self.width = width
        self.isEnabled = force || isatty(STDERR_FILENO) == 1
        self.started = clock.now
    }

    /// Redraws with `done` of `total` and `steps` walk steps so far (throttled; the final update always draws).
    ///
    /// `steps` nil (e.g. a job followed over the wire, which reports no step count) leaves out the rate.
    public mutating func update(done: Int, total: Int, steps: Int?) {
        guard isEnabled else { return }
        let now = clock.now
        if done < total, let lastDraw, now - lastDraw < .milliseconds(100) { return }
        lastDraw = now
        let text = Self.line(done: done, total: total, steps: steps, elapsed: now - started, unit: unit, width: width)
        write("\r" + text)
        drewSomething = true
    }

    /// Ends the line so later output starts on a fresh one.
    public mutating func finish() {
        guard isEnabled, drewSomething else { return }
        write("\n")
        drewSomething = false
    }

    /// The text of the bar (without the carriage return), for any terminal or test.
    public static func line(done: Int, total: Int, steps: Int?, elapsed: Duration, unit: String, width: Int) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let seconds = max(1e-9, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        var text = "[\(bar)] \(Int(fraction * 100))% \(grouped(done))/\(grouped(total)) \(unit)"
        if let steps { text += "  \(tenths(Double(steps) / seconds / 1e6)) M steps/s" }
        if done > 0, done < total {
            let remaining = Int(seconds * Double(total - done) / Double(done))
            text += "  ETA \(remaining / 60):\(remaining % 60 < 10 ? "0" : "")\(remaining % 60)"
        }
        return text
    }

    private static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var result = ""
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    private static func tenths(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        return "\(scaled / 10).\(scaled % 10)"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
