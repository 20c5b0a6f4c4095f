import Foundation

/// How `pgcutover audit report` prints the report.
public enum AuditReportFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal, with a summary line.
    case table
    /// A JSON array of groups.
    case json
    /// RFC 4180 CSV with a header row; lists are joined with `;`.
    case csv

    static let exampleWidth = 80

    public func render(_ report: AuditReport) -> String {
        switch self {
        case .table: renderTable(report)
        case .json: renderJSON(report)
        case .csv: renderCSV(report)
        }
    }

    private func renderTable(_ report: AuditReport) -> String {
        var rows = [["LAST SEEN", "FIRST SEEN", "COUNT", "APPLICATION", "USER", "FINGERPRINT", "TABLES", "ACTIONS", "EXAMPLE"]]
        for group in report.groups {
            rows.append([
                RFC3339.format(group.lastSeen), RFC3339.format(group.firstSeen), String(group.count),
                group.applicationName.flatMap { $0.isEmpty ? nil : $0 } ?? "-", group.user ?? "-",
                group.fingerprint ?? "-", group.tables.joined(separator: ","), group.actions.joined(separator: ","),
                Self.oneLine(group.exampleStatement ?? "-", limit: Self.exampleWidth),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var text = ""
        for row in rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                if column == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                }
            }
            text += line + "\n"
        }
        text += "\(report.groups.count) groups, \(report.records) records"
        if report.skippedOlder > 0 { text += ", \(report.skippedOlder) older records skipped" }
        text += ", \(report.malformedLines) malformed lines skipped\n"
        return text
    }

    private func renderJSON(_ report: AuditReport) -> String {
        var json = JSONLineWriter()
        json.out.append(UInt8(ascii: "["))
        for (index, group) in report.groups.enumerated() {
            json.out.append(contentsOf: index == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
            json.beginObject()
            json.key("application_name"); json.string(group.applicationName)
            json.key("user"); json.string(group.user)
            json.key("fingerprint"); json.string(group.fingerprint)
            json.key("count"); json.integer(group.count)
            json.key("first_seen"); json.rawString(RFC3339.format(group.firstSeen))
            json.key("last_seen"); json.rawString(RFC3339.format(group.lastSeen))
            json.key("tables"); json.strings(group.tables)
            json.key("actions"); json.strings(group.actions)
            json.key("example_statement"); json.string(group.exampleStatement)
            json.endObject()
        }
        if !report.groups.isEmpty { json.newline() }
        json.out.append(UInt8(ascii: "]"))
        json.newline()
        return String(decoding: json.out, as: UTF8.self)
    }

    private func renderCSV(_ report: AuditReport) -> String {
        var text = "application_name,user,fingerprint,count,first_seen,last_seen,tables,actions,example_statement\r\n"
        for group in report.groups {
            let fields = [
                group.applicationName ?? "", group.user ?? "", group.fingerprint ?? "", String(group.count),
                RFC3339.format(group.firstSeen), RFC3339.format(group.lastSeen), group.tables.joined(separator: ";"),
                group.actions.joined(separator: ";"), group.exampleStatement ?? "",
            ]
            text += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return text
    }

    private static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whitespace runs (newlines included) become one space; longer text is cut with an ellipsis.
    private static func oneLine(_ text: String, limit: Int) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let joined = words.joined(separator: " ")
        guard joined.count > limit else { return joined }
        return String(joined.prefix(limit - 1)) + "…"
    }
}
