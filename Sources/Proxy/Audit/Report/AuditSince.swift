import Foundation

/// The `--since` of the report: an RFC 3339 time, or an age such as `90m`, `24h`, `7d`.
public enum AuditSince {
    /// Nil when `text` is neither.
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let date = RFC3339.parse(text) { return date }
        guard let unit = text.last, let amount = Int(text.dropLast()), amount >= 0 else { return nil }
        let seconds: Int
        switch unit {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86400
        case "w": seconds = 7 * 86400
        default: return nil
        }
        let (total, overflow) = amount.multipliedReportingOverflow(by: seconds)
        guard !overflow else { return nil }
        return now.addingTimeInterval(-Double(total))
    }
}
