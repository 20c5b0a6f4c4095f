import Foundation
import Proxy
import Rewriter
import XCTest

final class AuditRecordTests: XCTestCase {
    private let time = Date(timeIntervalSince1970: 1_795_000_000.123_9)

    func testEveryFieldHasItsNameAndPlaceInOrder() throws {
        let record = AuditRecord(
            time: time, sessionID: 42, clientAddress: "127.0.0.1:50000", user: "alice", database: "app",
            applicationName: "nightly-sync", tables: ["god_vocabulary_profiles", "basin_relationships"],
            mode: .dualWrite, action: .dualWritten, kind: .update, fingerprint: "0123456789abcdef",
            statement: "UPDATE god_vocabulary_profiles SET weight = $1 WHERE god_name = $2",
            rewrittenStatement: "UPDATE coordizer_vocabulary SET god_profile = $1", durationMilliseconds: 1.5,
            rows: 3, sqlState: "23505", shadowVerdict: .mismatch(summary: "rows 3 vs 2"))
        let line = record.jsonLine
        XCTAssertEqual(line, """
            {"time":"2026-11-18T11:06:40.123Z","session_id":42,"client_addr":"127.0.0.1:50000","user":"alice",\
            "database":"app","application_name":"nightly-sync","tables":["god_vocabulary_profiles","basin_relationships"],\
            "mode":"dual-write","action":"dual-written","kind":"update","fingerprint":"0123456789abcdef",\
            "statement":"UPDATE god_vocabulary_profiles SET weight = $1 WHERE god_name = $2",\
            "rewritten_statement":"UPDATE coordizer_vocabulary SET god_profile = $1","duration_ms":1.500,"rows":3,\
            "sqlstate":"23505","shadow_verdict":"mismatch","shadow_summary":"rows 3 vs 2"}

            """)
        let object = try parse(line)
        XCTAssertEqual(object["duration_ms"] as? Double, 1.5)
        XCTAssertEqual(object["tables"] as? [String], ["god_vocabulary_profiles", "basin_relationships"])
    }

    func testMissingValuesAreNullsAndEveryKeyIsPresent() throws {
        let record = AuditRecord(
            time: time, sessionID: 1, clientAddress: "[::1]:5000", tables: [], mode: .block, action: .blocked)
        let object = try parse(record.jsonLine)
        XCTAssertEqual(Set(object.keys), [
            "time", "session_id", "client_addr", "user", "database", "application_name", "tables", "mode",
            "action", "kind", "fingerprint", "statement", "rewritten_statement", "duration_ms", "rows", "sqlstate",
            "shadow_verdict", "shadow_summary",
        ])
        for key in ["user", "database", "application_name", "kind", "fingerprint", "statement",
                    "rewritten_statement", "duration_ms", "rows", "sqlstate", "shadow_verdict", "shadow_summary"] {
            XCTAssertTrue(object[key] is NSNull, "\(key) should be null, is \(String(describing: object[key]))")
        }
        XCTAssertEqual(object["tables"] as? [String], [])
        XCTAssertEqual(object["mode"] as? String, "block")
    }

    func testShadowMatchHasNoSummary() throws {
        var record = AuditRecord(time: time, sessionID: 1, clientAddress: "x", tables: ["t"], mode: .shadow, action: .shadowed)
        record.shadowVerdict = .match
        let object = try parse(record.jsonLine)
        XCTAssertEqual(object["shadow_verdict"] as? String, "match")
        XCTAssertTrue(object["shadow_summary"] is NSNull)
    }

    func testShadowErrorAndSkippedCarryTheirReasonInTheSummary() throws {
        var record = AuditRecord(time: time, sessionID: 1, clientAddress: "x", tables: ["t"], mode: .shadow, action: .shadowed)
        record.shadowVerdict = .error(sqlState: "22P02", message: "invalid input syntax for type real: \"x\"")
        var object = try parse(record.jsonLine)
        XCTAssertEqual(object["shadow_verdict"] as? String, "error")
        XCTAssertEqual(object["shadow_summary"] as? String, "22P02: invalid input syntax for type real: \"x\"")
        record.shadowVerdict = .skipped(reason: "queue full")
        object = try parse(record.jsonLine)
        XCTAssertEqual(object["shadow_verdict"] as? String, "skipped")
        XCTAssertEqual(object["shadow_summary"] as? String, "queue full")
    }

    func testEveryControlCharacterAndNonASCIIRoundTrips() throws {
        var nasty = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        nasty += "\u{7F}\"\\/ é 日本語 🐘 \u{2028}\u{2029} \u{E2}\u{80} … € end"
        let record = AuditRecord(
            time: time, sessionID: 7, clientAddress: nasty, user: nasty, tables: [nasty], mode: .passthrough,
            action: .passed, statement: nasty, shadowVerdict: .mismatch(summary: nasty))
        let line = record.jsonLine
        let bytes = Array(line.utf8)
        XCTAssertEqual(bytes.last, 0x0A)
        XCTAssertFalse(bytes.dropLast().contains { $0 < 0x20 || $0 == 0x7F }, "a raw control byte in \(line)")
        XCTAssertFalse(line.contains("\u{2028}") || line.contains("\u{2029}"))
        XCTAssertTrue(line.contains("日本語 🐘"), "non-ASCII text is written as UTF-8")
        let object = try parse(line)
        for key in ["client_addr", "user", "statement", "shadow_summary"] {
            XCTAssertEqual(object[key] as? String, nasty, key)
        }
        XCTAssertEqual(object["tables"] as? [String], [nasty])
    }

    func testDurationIsNeverInExponentForm() throws {
        for (value, text) in [(0.000_4, "0.000"), (0.0006, "0.001"), (12_345_678.9, "12345678.900"), (-2.5, "-2.500")] {
            let record = AuditRecord(
                time: time, sessionID: 1, clientAddress: "x", tables: [], mode: .rewrite, action: .rewritten,
                durationMilliseconds: value)
            XCTAssertTrue(record.jsonLine.contains("\"duration_ms\":\(text),"), "\(value): \(record.jsonLine)")
        }
        let infinite = AuditRecord(
            time: time, sessionID: 1, clientAddress: "x", tables: [], mode: .rewrite, action: .rewritten,
            durationMilliseconds: .infinity)
        XCTAssertTrue(try parse(infinite.jsonLine)["duration_ms"] is NSNull)
    }

    func testTimesAreRFC3339WithMillisecondsInUTC() {
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: -0.001)), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: 951_782_400.5)), "2000-02-29T00:00:00.500Z")
        let now = Date()
        let parsed = RFC3339.parse(RFC3339.format(now))
        XCTAssertEqual(parsed?.timeIntervalSince1970 ?? 0, now.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(RFC3339.parse("2026-11-26T08:23:14+02:00"), RFC3339.parse("2026-11-26T06:23:14Z"))
        XCTAssertEqual(RFC3339.parse("2026-11-26t06:23:14.25z")?.timeIntervalSince1970, 1_795_674_194.25)
        for bad in ["2026-02-30T00:00:00Z", "2026-11-26T06:23:14", "2026-11-26", "2026-11-26T06:23:14.Z", "yesterday",
                    "2026-11-26T06:23:14Zjunk", "2026-13-01T00:00:00Z"] {
            XCTAssertNil(RFC3339.parse(bad), bad)
        }
    }

    func testStatementTextKeepsLiteralsOutUnlessAsked() throws {
        let sql = "SELECT god_name FROM god_vocabulary_profiles WHERE god_name = 'zeus' AND weight > 0.5"
        let other = "SELECT god_name FROM god_vocabulary_profiles WHERE god_name = 'hera' AND weight > 0.9"
        let rewritten = "SELECT key FROM coordizer_vocabulary WHERE god_profile ? 'zeus'"
        let text = AuditStatementText(sql: sql, rewrittenSQL: rewritten)
        let statement = try XCTUnwrap(text.statement)
        XCTAssertFalse(statement.contains("zeus") || statement.contains("0.5"), statement)
        XCTAssertTrue(statement.contains("$1") && statement.contains("$2"), statement)
        XCTAssertFalse(try XCTUnwrap(text.rewrittenStatement).contains("zeus"))
        XCTAssertEqual(text.fingerprint, AuditStatementText(sql: other).fingerprint)
        XCTAssertNotEqual(text.fingerprint, AuditStatementText(sql: "SELECT 1").fingerprint)

        let verbatim = AuditStatementText(sql: sql, rewrittenSQL: rewritten, includeLiterals: true)
        XCTAssertEqual(verbatim.statement, sql)
        XCTAssertEqual(verbatim.rewrittenStatement, rewritten)
        XCTAssertEqual(verbatim.fingerprint, text.fingerprint)

        let broken = AuditStatementText(sql: "SELECT FROM WHERE 'secret")
        XCTAssertNil(broken.statement, "unparsable text would leak its literals")
        XCTAssertNil(broken.fingerprint)
    }

    func testRecordFromSessionCarriesWhoSentIt() {
        var session = SessionInfo(id: 9, clientAddress: "10.0.0.5:4242")
        session.user = "bob"
        session.database = "prod"
        session.applicationName = "report.py"
        let text = AuditStatementText(sql: "DELETE FROM basin_relationships WHERE id = 3")
        let record = AuditRecord(
            session: session, time: time, tables: ["basin_relationships"], mode: .passthrough, action: .passed,
            kind: .delete, text: text)
        XCTAssertEqual(record.sessionID, 9)
        XCTAssertEqual(record.clientAddress, "10.0.0.5:4242")
        XCTAssertEqual(record.user, "bob")
        XCTAssertEqual(record.database, "prod")
        XCTAssertEqual(record.applicationName, "report.py")
        XCTAssertEqual(record.fingerprint, text.fingerprint)
        XCTAssertEqual(record.statement, text.statement)
    }

    private func parse(_ line: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        return try XCTUnwrap(object as? [String: Any])
    }
}
