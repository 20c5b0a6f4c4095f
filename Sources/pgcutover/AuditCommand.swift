import ArgumentParser
import Foundation
import Proxy

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the audit log.",
        subcommands: [Report.self]
    )

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Who still uses the legacy tables: per application_name, user and statement, newest first."
        )

        @Option(name: .long, help: "The audit log (JSON Lines) to read.")
        var log: String

        @Option(name: .long, help: "Only records since this time: RFC 3339 (2026-11-26T06:00:00Z) or an age (90m, 24h, 7d).")
        var since: String?

        @Option(name: .long, help: "table, json or csv (default table).")
        var format: String = AuditReportFormat.table.rawValue

        func run() throws {
            guard let format = AuditReportFormat(rawValue: format) else {
                throw ValidationError("--format must be one of \(AuditReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var sinceDate: Date?
            if let since {
                guard let date = AuditSince.parse(since) else {
                    throw ValidationError("--since must be an RFC 3339 time or an age such as 24h or 7d, not \(since)")
                }
                sinceDate = date
            }
            let report = try AuditReport.read(path: log, since: sinceDate)
            FileHandle.standardOutput.write(Data(format.render(report).utf8))
            if report.malformedLines > 0 && format != .table {
                FileHandle.standardError.write(Data("pgcutover: skipped \(report.malformedLines) malformed lines in \(log)\n".utf8))
            }
        }
    }
}
