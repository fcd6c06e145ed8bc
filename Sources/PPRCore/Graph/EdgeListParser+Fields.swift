// Byte-level field scanning for `EdgeListParser`: unsigned decimal ids with overflow checks,
// weights, CSV field trimming and skipping, and the excerpts quoted in error messages.

extension EdgeListParser {
    /// Reads an unsigned 64-bit decimal id at `cursor`, leaving `cursor` after its last digit.
    func field(
        _ bytes: Span<UInt8>, _ cursor: inout Int, _ end: Int, _ lineStart: Int, column: String
    ) throws(EdgeListError) -> UInt64 {
        let first = cursor
        var value: UInt64 = 0
        while cursor < end {
            let digit = bytes[cursor] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else {
                throw malformed(bytes, lineStart, end, "\(column) id does not fit in an unsigned 64-bit integer")
            }
            value = sum
            cursor += 1
        }
        guard cursor > first else {
            let why =
                bytes[first] == UInt8(ascii: "-")
                ? "negative \(column) id (ids are unsigned 64-bit integers)"
                : "\(column) id is not an unsigned decimal integer"
            throw malformed(bytes, lineStart, end, why)
        }
        return value
    }

    /// Reads a CSV id field: blanks and one pair of double quotes around the digits are allowed.
    func csvField(
        _ bytes: Span<UInt8>, _ cursor: inout Int, _ end: Int, _ lineStart: Int, column: String
    ) throws(EdgeListError) -> UInt64 {
        cursor = Self.skipBlanks(bytes, cursor, end)
        guard cursor < end, bytes[cursor] != UInt8(ascii: ",") else {
            throw malformed(bytes, lineStart, end, "empty \(column) column")
        }
        let quoted = bytes[cursor] == UInt8(ascii: "\"")
        if quoted { cursor += 1 }
        let value = try field(bytes, &cursor, end, lineStart, column: column)
        if quoted {
            guard cursor < end, bytes[cursor] == UInt8(ascii: "\"") else {
                throw malformed(bytes, lineStart, end, "unterminated quote in \(column) column")
            }
            cursor += 1
        }
        cursor = Self.skipBlanks(bytes, cursor, end)
        guard cursor == end || bytes[cursor] == UInt8(ascii: ",") else {
            throw malformed(bytes, lineStart, end, "\(column) id is not an unsigned decimal integer")
        }
        return value
    }

    /// Skips one CSV field the edges do not use (a quoted one may hold commas), leaving `cursor` at
    /// the comma after it or at `end`.
    func skipCSVField(
        _ bytes: Span<UInt8>, _ cursor: inout Int, _ end: Int, _ lineStart: Int, column: Int
    ) throws(EdgeListError) {
        cursor = Self.skipBlanks(bytes, cursor, end)
        if cursor < end, bytes[cursor] == UInt8(ascii: "\"") {
            cursor += 1
            while true {
                guard cursor < end else {
                    throw malformed(bytes, lineStart, end, "unterminated quote in column \(column + 1)")
                }
                if bytes[cursor] == UInt8(ascii: "\"") {
                    guard cursor + 1 < end, bytes[cursor + 1] == UInt8(ascii: "\"") else { break }
                    cursor += 1
                }
                cursor += 1
            }
        }
        while cursor < end, bytes[cursor] != UInt8(ascii: ",") { cursor += 1 }
    }

    /// Reads a CSV weight field (blanks and one pair of double quotes around it allowed).
    func csvWeight(
        _ bytes: Span<UInt8>, _ cursor: inout Int, _ end: Int, _ lineStart: Int, column: Int
    ) throws(EdgeListError) -> Double {
        cursor = Self.skipBlanks(bytes, cursor, end)
        let quoted = cursor < end && bytes[cursor] == UInt8(ascii: "\"")
        if quoted { cursor += 1 }
        let first = cursor
        while cursor < end, bytes[cursor] != UInt8(ascii: ","), !(quoted && bytes[cursor] == UInt8(ascii: "\"")) {
            cursor += 1
        }
        var last = cursor
        while last > first, Self.isBlank(bytes[last - 1]) { last -= 1 }
        if quoted {
            guard cursor < end, bytes[cursor] == UInt8(ascii: "\"") else {
                throw malformed(bytes, lineStart, end, "unterminated quote in the weight column")
            }
            cursor = Self.skipBlanks(bytes, cursor + 1, end)
            guard cursor == end || bytes[cursor] == UInt8(ascii: ",") else {
                throw malformed(bytes, lineStart, end, "unexpected character after the quoted weight")
            }
        }
        guard last > first else {
            throw .invalidWeight(file: file, line: currentLine, reason: "missing weight (column \(column + 1))")
        }
        return try weight(bytes, first, last)
    }

    /// Parses `bytes[first..<last]` as a weight: a decimal (or `inf`/`nan`, refused) floating-point number
    /// that must be positive and finite.
    func weight(_ bytes: Span<UInt8>, _ first: Int, _ last: Int) throws(EdgeListError) -> Double {
        // Fast path for counts (1 to 15 digits, not all zero): exact as a Double, no String needed.
        if last - first <= 15 {
            var integer: UInt64 = 0
            var cursor = first
            while cursor < last, bytes[cursor] &- UInt8(ascii: "0") < 10 {
                integer = integer * 10 + UInt64(bytes[cursor] &- UInt8(ascii: "0"))
                cursor += 1
            }
            if cursor == last, integer > 0 { return Double(integer) }
        }
        var text: [UInt8] = []
        text.reserveCapacity(last - first)
        for i in first..<last { text.append(bytes[i]) }
        let shown = Self.excerpt(text.span, 0, min(text.count, 24)) + (text.count > 24 ? "…" : "")
        func refuse(_ why: String) -> EdgeListError {
            .invalidWeight(file: file, line: currentLine, reason: "weight \"\(shown)\" \(why)")
        }
        guard let value = Double(String(decoding: text, as: UTF8.self)) else { throw refuse("is not a number") }
        let rule = "; weights must be positive and finite"
        guard !value.isNaN else { throw refuse("is NaN" + rule) }
        guard value.isFinite else { throw refuse("is infinite" + rule) }
        guard value > 0 else { throw refuse("is not positive" + rule) }
        return value
    }

    /// True when a would-be CSV header starts with two numeric fields, i.e. is really an edge.
    func looksLikeData(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var cursor = start
        for column in 0..<2 {
            cursor = Self.skipBlanks(bytes, cursor, end)
            if cursor < end, bytes[cursor] == UInt8(ascii: "\"") { cursor += 1 }
            let digitsStart = cursor
            while cursor < end, bytes[cursor] &- UInt8(ascii: "0") < 10 { cursor += 1 }
            if cursor == digitsStart { return false }
            if cursor < end, bytes[cursor] == UInt8(ascii: "\"") { cursor += 1 }
            cursor = Self.skipBlanks(bytes, cursor, end)
            if column == 0 {
                guard cursor < end, bytes[cursor] == UInt8(ascii: ",") else { return false }
                cursor += 1
            } else if cursor < end, bytes[cursor] != UInt8(ascii: ",") {
                return false
            }
        }
        return true
    }

    /// The error for the current line, quoting its start.
    func malformed(_ bytes: Span<UInt8>, _ start: Int, _ end: Int, _ why: String) -> EdgeListError {
        .malformedLine(file: file, line: currentLine, reason: "\(why) in \"\(Self.excerpt(bytes, start, end))\"")
    }

    /// At most 40 bytes of the line, control characters shown as `?`, trailing `…` if cut.
    static func excerpt(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> String {
        var last = end
        while last > start, bytes[last - 1] == UInt8(ascii: "\r") { last -= 1 }
        var shown: [UInt8] = []
        var i = start
        while i < last, shown.count < 40 {
            let byte = bytes[i]
            let printable = byte >= 0x20 && byte != 0x7F || byte == UInt8(ascii: "\t")
            shown.append(printable ? byte : UInt8(ascii: "?"))
            i += 1
        }
        return String(decoding: shown, as: UTF8.self) + (i < last ? "…" : "")
    }

    /// Space, tab, carriage return, vertical tab and form feed.
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    @inline(__always)
    static func skipBlanks(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int {
        var cursor = start
        while cursor < end, isBlank(bytes[cursor]) { cursor += 1 }
        return cursor
    }
}
