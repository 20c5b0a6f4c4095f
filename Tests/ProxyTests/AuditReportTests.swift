import Foundation
import Proxy
import Rewriter
import XCTest

final class AuditReportTests: XCTestCase {
    private let base = Date(timeIntervalSince1970: 1_795_600_000)

    private let readZeus = "SELECT * FROM god_vocabulary_profiles WHERE god_name = 'zeus'"
    private let readHera = "SELECT * FROM god_vocabulary_profiles WHERE god_name = 'hera'"
    private let insertNeighbor = "INSERT INTO basin_relationships (source, target) VALUES ('a', 'b')"

    /// A line as the proxy writes it, through the real record encoder and libpg_query.
    private func line(
        _ sql: String, app: String?, user: String?, at seconds: TimeInterval, tables: [String],
        action: AuditRecord.Action = .passed
    ) -> String {
        let text = AuditStatementText(sql: sql)
        let record = AuditRecord(
            time: base.addingTimeInterval(seconds), sessionID: 1, clientAddress: "127.0.0.1:1", user: user,
            database: "app", applicationName: app, tables: tables, mode: .passthrough, action: action,
            kind: .select, fingerprint: text.fingerprint, statement: text.statement)
        return String(record.jsonLine.dropLast())
    }

    private func report(_ lines: [String], since: Date? = nil) -> AuditReport {
        var builder = AuditReport.Builder(since: since)
        for line in lines { builder.add(line: Array(line.utf8)) }
        return builder.report()
    }

    private var workload: [String] {
        [
            line(readZeus, app: "nightly", user: "etl", at: 10, tables: ["god_vocabulary_profiles"]),
            line(readHera, app: "nightly", user: "etl", at: 30, tables: ["god_vocabulary_profiles"], action: .rewritten),
            line(readZeus, app: "nightly", user: "etl", at: 20, tables: ["god_vocabulary_profiles"]),
            line(insertNeighbor, app: "nightly", user: "etl", at: 5, tables: ["basin_relationships"]),
            line(readZeus, app: "dashboard", user: "web", at: 40, tables: ["god_vocabulary_profiles"]),
            line(readZeus, app: "nightly", user: "admin", at: 1, tables: ["god_vocabulary_profiles"], action: .blocked),
        ]
    }

    func testGroupsByApplicationUserAndFingerprintNewestFirst() throws {
        let report = report(workload)
        XCTAssertEqual(report.records, 6)
        XCTAssertEqual(report.malformedLines, 0)
        XCTAssertEqual(report.groups.map { "\($0.applicationName ?? "-")/\($0.user ?? "-")/\($0.count)" }, [
            "dashboard/web/1", "nightly/etl/3", "nightly/etl/1", "nightly/admin/1",
        ])
        let reads = report.groups[1]
        XCTAssertEqual(reads.fingerprint, AuditStatementText(sql: readHera).fingerprint)
        XCTAssertEqual(reads.firstSeen, base.addingTimeInterval(10))
        XCTAssertEqual(reads.lastSeen, base.addingTimeInterval(30))
        XCTAssertEqual(reads.actions, ["passed", "rewritten"])
        XCTAssertEqual(reads.tables, ["god_vocabulary_profiles"])
        let example = try XCTUnwrap(reads.exampleStatement)
        XCTAssertEqual(example, AuditStatementText(sql: readZeus).statement)
        XCTAssertFalse(example.contains("zeus"))
        XCTAssertEqual(report.groups[2].tables, ["basin_relationships"])
        XCTAssertEqual(report.groups[3].actions, ["blocked"])
    }

    func testSinceDropsOlderRecords() {
        let report = report(workload, since: base.addingTimeInterval(20))
        XCTAssertEqual(report.records, 3)
        XCTAssertEqual(report.skippedOlder, 3)
        XCTAssertEqual(report.groups.map(\.count), [1, 2])
        XCTAssertEqual(report.groups[1].firstSeen, base.addingTimeInterval(20))
    }

    func testSinceAcceptsRFC3339AndAges() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(AuditSince.parse("24h", now: now), now.addingTimeInterval(-86_400))
        XCTAssertEqual(AuditSince.parse("7d", now: now), now.addingTimeInterval(-7 * 86_400))
        XCTAssertEqual(AuditSince.parse("90m", now: now), now.addingTimeInterval(-5_400))
        XCTAssertEqual(AuditSince.parse("2026-11-26T06:00:00Z", now: now), RFC3339.parse("2026-11-26T06:00:00.000Z"))
        for bad in ["", "h", "24", "24x", "-1d", "yesterday", "99999999999999999999d"] {
            XCTAssertNil(AuditSince.parse(bad, now: now), bad)
        }
    }

    func testMalformedLinesAreSkippedAndCounted() {
        var lines = workload
        lines.insert("not json at all", at: 1)
        lines.insert("{\"time\":\"2026-11-26T06:00:00.000Z\",\"tables\":[]", at: 2)  // cut short
        lines.insert("{\"time\":\"2026-11-26T06:00:00.000Z\",\"tables\":[]}", at: 3)  // no action
        lines.insert("{\"time\":\"last tuesday\",\"tables\":[],\"action\":\"passed\"}", at: 4)
        lines.insert("[1,2,3]", at: 5)
        lines.append("")
        lines.append("   ")
        let report = report(lines)
        XCTAssertEqual(report.malformedLines, 5)
        XCTAssertEqual(report.records, 6)
        XCTAssertEqual(report.groups.count, 4)
    }

    func testJSONFormatParsesBackToTheReport() throws {
        let report = report(workload)
        let text = AuditReportFormat.json.render(report)
        let array = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        XCTAssertEqual(array.count, report.groups.count)
        for (object, group) in zip(array, report.groups) {
            XCTAssertEqual(object["application_name"] as? String, group.applicationName)
            XCTAssertEqual(object["user"] as? String, group.user)
            XCTAssertEqual(object["fingerprint"] as? String, group.fingerprint)
            XCTAssertEqual(object["count"] as? Int, group.count)
            XCTAssertEqual((object["first_seen"] as? String).flatMap(RFC3339.parse), group.firstSeen)
            XCTAssertEqual((object["last_seen"] as? String).flatMap(RFC3339.parse), group.lastSeen)
            XCTAssertEqual(object["tables"] as? [String], group.tables)
            XCTAssertEqual(object["actions"] as? [String], group.actions)
            XCTAssertEqual(object["example_statement"] as? String, group.exampleStatement)
        }
        XCTAssertEqual(AuditReportFormat.json.render(self.report([])), "[]\n")
    }

    func testCSVQuotesFieldsThatNeedIt() throws {
        let awkward = line(
            "SELECT 'x' AS \"a,b\", \"q\"\"uote\" FROM god_vocabulary_profiles", app: "etl, \"v2\"", user: "u",
            at: 50, tables: ["god_vocabulary_profiles"])
        let report = report(workload + [awkward])
        let text = AuditReportFormat.csv.render(report)
        let rows = text.components(separatedBy: "\r\n")
        XCTAssertEqual(rows.first, "application_name,user,fingerprint,count,first_seen,last_seen,tables,actions,example_statement")
        XCTAssertEqual(rows.count, report.groups.count + 2)  // header, groups, and the empty string after the last \r\n
        let first = rows[1]
        XCTAssertTrue(first.hasPrefix("\"etl, \"\"v2\"\"\",u,"), first)
        let example = try XCTUnwrap(report.groups[0].exampleStatement)
        XCTAssertTrue(first.hasSuffix(",\"" + example.replacingOccurrences(of: "\"", with: "\"\"") + "\""), first)
        XCTAssertTrue(rows[3].contains(",3,") && rows[3].contains(",passed;rewritten,"), rows[3])
    }

    func testTableFormatShowsEveryGroupAndTheSummary() {
        var lines = workload
        lines.append("garbage")
        let report = report(lines, since: base.addingTimeInterval(2))
        let text = AuditReportFormat.table.render(report)
        let rows = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(rows[0].hasPrefix("LAST SEEN"))
        XCTAssertEqual(rows.count, 1 + report.groups.count + 1)
        XCTAssertTrue(rows[1].contains("dashboard") && rows[1].contains("web"))
        XCTAssertTrue(rows[2].contains(RFC3339.format(base.addingTimeInterval(30))))
        XCTAssertEqual(rows.last, "3 groups, 5 records, 1 older records skipped, 1 malformed lines skipped")
        // Columns line up: every row has its fingerprint at the same offset.
        let column = rows[0].range(of: "FINGERPRINT")!.lowerBound.utf16Offset(in: rows[0])
        for (row, group) in zip(rows[1...3], report.groups) {
            let found = row.range(of: group.fingerprint!)!.lowerBound.utf16Offset(in: row)
            XCTAssertEqual(found, column, row)
        }
    }

    func testReadingAFileStreamsAcrossChunksAndCountsACutLastLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.log").path
        // Enough lines that some straddle the reader's 1 MiB chunks.
        var text = ""
        var expected = [String]()
        for index in 0..<8_000 {
            let app = "app-\(index % 7)"
            let next = line(index % 2 == 0 ? readZeus : insertNeighbor, app: app, user: "u", at: Double(index),
                            tables: ["god_vocabulary_profiles"])
            expected.append(next)
            text += next + "\n"
        }
        XCTAssertGreaterThan(text.utf8.count, 2 << 20)
        text += String(expected[0].prefix(40))  // a last record cut short, no newline
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let fromFile = try AuditReport.read(path: path)
        var fromLines = report(expected)
        fromLines.malformedLines = 1
        XCTAssertEqual(fromFile, fromLines)
        XCTAssertEqual(fromFile.records, 8_000)
        XCTAssertEqual(fromFile.groups.map(\.count).reduce(0, +), 8_000)
        XCTAssertThrowsError(try AuditReport.read(path: directory.appendingPathComponent("missing").path))
    }
}
