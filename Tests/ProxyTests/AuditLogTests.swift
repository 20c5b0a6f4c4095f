import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import Proxy
import Rewriter
import XCTest

final class AuditLogTests: XCTestCase {
    private let logger = Logger(label: "audit-test")

    /// A record whose session id and `rows` say who submitted it and in which order.
    private static func record(session: UInt64, sequence: Int) -> AuditRecord {
        AuditRecord(
            time: Date(), sessionID: session, clientAddress: "127.0.0.1:\(session)", applicationName: "app-\(session)",
            tables: ["god_vocabulary_profiles"], mode: .passthrough, action: .passed, kind: .select,
            statement: "SELECT * FROM god_vocabulary_profiles WHERE god_name = $1", rows: sequence)
    }

    /// Every submitted record exactly once, and each session's records in the order submitted.
    private func assertEveryRecordOnceInOrder(
        _ lines: [String], sessions: Int, perSession: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertEqual(lines.count, sessions * perSession, file: file, line: line)
        var next = [UInt64: Int]()
        for text in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let session = try XCTUnwrap(object["session_id"] as? Int)
            let sequence = try XCTUnwrap(object["rows"] as? Int)
            XCTAssertEqual(sequence, next[UInt64(session), default: 0], "session \(session) out of order", file: file, line: line)
            next[UInt64(session)] = sequence + 1
        }
        XCTAssertEqual(next.count, sessions, file: file, line: line)
        XCTAssertTrue(next.values.allSatisfy { $0 == perSession }, "\(next)", file: file, line: line)
    }

    func testConcurrentSubmittersWithATinyQueueAndASlowSinkLoseNothing() async throws {
        let sink = MemoryAuditSink(.init(delay: 0.002))
        let log = AuditLog(sink: sink, capacity: 2, logger: logger)
        let sessions = 8
        let perSession = 150
        await withTaskGroup(of: Void.self) { group in
            for session in 0..<sessions {
                group.addTask {
                    for sequence in 0..<perSession {
                        await log.submit(Self.record(session: UInt64(session), sequence: sequence))
                    }
                }
            }
        }
        await log.shutdown()
        XCTAssertTrue(sink.isClosed)
        try assertEveryRecordOnceInOrder(sink.lines, sessions: sessions, perSession: perSession)
        let statistics = log.statistics
        XCTAssertGreaterThan(statistics.stalls, 0, "a sink 2 ms per write behind 8 submitters must stall")
        XCTAssertEqual(statistics.written, sessions * perSession)
        XCTAssertEqual(statistics.queued, 0)
        XCTAssertLessThan(sink.writes, sessions * perSession, "records are written in batches")
    }

    /// What a session does: it stops reading on `.pause`, yet the statements it had already read
    /// still submit their records; it resumes when the future completes, on its own event loop.
    func testEventLoopSubmittersPauseAndResumeOnTheirLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let sink = MemoryAuditSink(.init(delay: 0.001))
        let log = AuditLog(sink: sink, capacity: 3, logger: logger)
        let sessions = 6
        let perSession = 120
        let inFlight = 3  // records already "read" when the pause comes

        func runSession(_ session: UInt64, on loop: any EventLoop) -> EventLoopFuture<Void> {
            let done = loop.makePromise(of: Void.self)
            @Sendable func readMore(from start: Int) {
                loop.assertInEventLoop()
                var sequence = start
                var paused: EventLoopFuture<Void>?
                var burst = 0
                while sequence < perSession && (paused == nil || burst < inFlight) {
                    let record = Self.record(session: session, sequence: sequence)
                    if case .pause(let future) = log.submit(record, eventLoop: loop) {
                        paused = paused ?? future
                    }
                    sequence += 1
                    if paused != nil { burst += 1 }
                }
                if let paused {
                    let next = sequence
                    paused.whenSuccess { readMore(from: next) }
                } else {
                    done.succeed()
                }
            }
            loop.execute { readMore(from: 0) }
            return done.futureResult
        }

        let finished = (0..<sessions).map { runSession(UInt64($0), on: group.next()) }
        try await EventLoopFuture.andAllSucceed(finished, on: group.next()).get()
        await log.shutdown()
        try assertEveryRecordOnceInOrder(sink.lines, sessions: sessions, perSession: perSession)
        XCTAssertGreaterThan(log.statistics.stalls, 0)
        try await group.shutdownGracefully()
    }

    func testFailedAndShortWritesAreRetriedWithoutDuplicates() async throws {
        let sink = MemoryAuditSink(.init(maximumWrite: 37, failures: 3))
        let log = AuditLog(sink: sink, capacity: 8, logger: logger)
        for sequence in 0..<100 {
            await log.submit(Self.record(session: 1, sequence: sequence))
        }
        await log.shutdown()
        try assertEveryRecordOnceInOrder(sink.lines, sessions: 1, perSession: 100)
        XCTAssertEqual(log.statistics.writeErrors, 3)
    }

    func testShutdownWritesEverythingQueuedAndRefusesLaterRecords() async throws {
        let sink = MemoryAuditSink(.init(delay: 0.01))
        let log = AuditLog(sink: sink, capacity: 10_000, logger: logger)
        for sequence in 0..<2_000 {
            await log.submit(Self.record(session: 3, sequence: sequence))
        }
        XCTAssertEqual(log.statistics.stalls, 0)
        await log.shutdown()
        try assertEveryRecordOnceInOrder(sink.lines, sessions: 1, perSession: 2_000)
        await log.submit(Self.record(session: 3, sequence: 2_000))
        await log.shutdown()  // a second shutdown returns at once
        XCTAssertEqual(sink.lines.count, 2_000)
        XCTAssertEqual(log.statistics.written, 2_000)
    }

    func testReopenAfterLogrotateRenamedTheFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("audit.log").path
        let rotated = directory.appendingPathComponent("audit.log.1").path

        let log = AuditLog(sink: try FileAuditSink(path: path), capacity: 4, logger: logger)
        // A second session keeps writing through the rotation.
        let background = Task {
            for sequence in 0..<400 { await log.submit(AuditLogTests.record(session: 2, sequence: sequence)) }
        }
        for sequence in 0..<200 {
            await log.submit(Self.record(session: 1, sequence: sequence))
        }
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        log.reopen()
        for sequence in 200..<300 {
            await log.submit(Self.record(session: 1, sequence: sequence))
        }
        await background.value
        await log.shutdown()

        let old = try lines(at: rotated)
        let new = try lines(at: path)
        XCTAssertFalse(old.isEmpty)
        let sessionOneAfterReopen = try new.filter {
            let (session, sequence) = try sessionAndSequence($0)
            return session == 1 && sequence >= 200
        }
        XCTAssertEqual(sessionOneAfterReopen.count, 100, "records submitted after reopen() go to the new file")
        // Concatenated, the two files hold each session's records once and in order.
        let sessionOne = try (old + new).filter { try sessionAndSequence($0).session == 1 }
        let sessionTwo = try (old + new).filter { try sessionAndSequence($0).session == 2 }
        try assertEveryRecordOnceInOrder(sessionOne, sessions: 1, perSession: 300)
        try assertEveryRecordOnceInOrder(sessionTwo, sessions: 1, perSession: 400)
        XCTAssertEqual(old.count + new.count, 700)
    }

    func testASinkThatNeverRecoversSpillsToTheFallbackAtShutdown() async throws {
        let broken = MemoryAuditSink(.init(failures: .max))
        let fallback = MemoryAuditSink()
        let log = AuditLog(sink: broken, capacity: 100, logger: logger, fallback: fallback)
        for sequence in 0..<10 {
            await log.submit(Self.record(session: 4, sequence: sequence))
        }
        let started = Date()
        await log.shutdown()
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "a dead sink must not hold shutdown for long")
        XCTAssertTrue(broken.lines.isEmpty)
        try assertEveryRecordOnceInOrder(fallback.lines, sessions: 1, perSession: 10)
        XCTAssertGreaterThanOrEqual(log.statistics.writeErrors, 20)
    }

    func testTheWriterNormalizesStatementsHandedToIt() async throws {
        let sink = MemoryAuditSink()
        let log = AuditLog(sink: sink, capacity: 16, logger: logger)
        let sql = "UPDATE god_vocabulary_profiles SET weight = 0.75 WHERE god_name = 'athena'"
        let rewritten = "UPDATE coordizer_vocabulary SET god_profile = jsonb_set(god_profile, '{athena}', '0.75')"
        await log.submit(Self.record(session: 1, sequence: 0), source: AuditStatementSource(sql: sql, rewrittenSQL: rewritten))
        await log.submit(Self.record(session: 1, sequence: 1), source: AuditStatementSource(sql: sql, includeLiterals: true))
        await log.shutdown()
        let objects = try sink.lines.map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(objects.count, 2)
        let expected = AuditStatementText(sql: sql, rewrittenSQL: rewritten)
        XCTAssertEqual(objects[0]["fingerprint"] as? String, try XCTUnwrap(expected.fingerprint))
        XCTAssertEqual(objects[0]["statement"] as? String, try XCTUnwrap(expected.statement))
        XCTAssertEqual(objects[0]["rewritten_statement"] as? String, try XCTUnwrap(expected.rewrittenStatement))
        XCTAssertFalse(sink.lines[0].contains("athena") || sink.lines[0].contains("0.75"), sink.lines[0])
        XCTAssertEqual(objects[1]["statement"] as? String, sql)
        XCTAssertTrue(objects[1]["rewritten_statement"] is NSNull)
    }

    func testStallWarningsFirstTimeThenAtMostOncePerInterval() {
        var limiter = StallWarningLimiter(interval: .seconds(60))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        func stall(atSeconds seconds: Int64) -> Int? { limiter.stallOccurred(at: start + .seconds(seconds)) }
        XCTAssertEqual(stall(atSeconds: 0), 0)
        XCTAssertNil(stall(atSeconds: 1))
        XCTAssertNil(stall(atSeconds: 59))
        XCTAssertEqual(stall(atSeconds: 60), 2)
        XCTAssertNil(stall(atSeconds: 61))
        XCTAssertEqual(stall(atSeconds: 200), 1)
    }

    private func lines(at path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    private func sessionAndSequence(_ line: String) throws -> (session: Int, sequence: Int) {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return (try XCTUnwrap(object["session_id"] as? Int), try XCTUnwrap(object["rows"] as? Int))
    }
}
